package notify

import "strconv"

// HintCodes are the catalog names of the hints of the platforms' own
// codes (Error.HintCode).
func HintCodes() []string {
	var out []string
	for kind, hints := range map[string]map[int]string{WeCom: weComHints, DingTalk: dingTalkHints, Feishu: feishuHints} {
		for code := range hints {
			out = append(out, kind+"."+strconv.Itoa(code))
		}
	}
	for code := range slackHints {
		out = append(out, Slack+"."+code)
	}
	return out
}
