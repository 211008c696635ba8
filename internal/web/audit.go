package web

import (
	"net/http"
	"strings"
	"unicode"

	"github.com/chorus-hq/chorus/internal/account"
)

// The audit log stores a change as its route ("POST
// /w/{ws}/links/{id}/disable"): stable, and the same for a page and the
// API. People read it as a verb and an object ("Switch off · link"),
// worked out from the route's words, so that a new route reads well once
// its words are in the catalog.

// auditVerbs are the route words that name what was done to the object
// before them.
var auditVerbs = map[string]string{
	"delete": "delete", "disable": "disable", "enable": "enable", "revoke": "revoke", "reset": "reset",
	"rotate": "rotate", "rotate-key": "rotate", "seed": "seed", "from-template": "from_template", "read": "read", "redeliver": "redeliver", "test": "test",
}

// auditSingles are objects a workspace has one of: posting them saves.
var auditSingles = map[string]bool{
	"": true, "settings": true, "profile": true, "budget": true, "mix": true, "hours": true,
	"sentiment": true, "override": true, "allowlist": true, "purchases": true,
}

// auditWords are the verb and object a route's words do not give: a
// member is removed, not deleted; an invitation withdrawn; a purchase
// setting is not the public key it shares a route with.
var auditWords = map[[2]string][2]string{
	{"delete", "members"}:           {"remove", "members"},
	{"delete", "invitations"}:       {"withdraw", "invitations"},
	{"delete", "tokens"}:            {"revoke", "tokens"},
	{"create", "members"}:           {"add", "members"},
	{"create", "conversion_events"}: {"report", "conversion_events"},
	{"create", "inquiry"}:           {"record", "inquiry"},
	{"create", "mentions"}:          {"import", "mentions"},
	{"create", "import"}:            {"import", "file"},
	{"create", "imports"}:           {"import", "file"},
	{"seed", "topics"}:              {"seed", "listening"},
	{"update", "snippet"}:           {"update", "purchases"},
	{"update", "workspace"}:         {"update", "settings"},
	{"rotate", "password"}:          {"change", "password"},
}

// auditOutcomes are the verbs of what a handler noted it did
// (noteAudit), when its route may do several things.
var auditOutcomes = map[string]string{
	string(account.MemberInvited): "invite",
	string(account.MemberAdded):   "add",
	string(account.RoleChanged):   "change_role",
}

// auditNote is what a handler adds to its change's audit entry that the
// route does not say: whom it was for, the entry's target in place of
// the path, and what it did, when the route may do several things.
type auditNote struct{ target, outcome string }

// noteAudit leaves a note for the audit entry of the change that w
// answers; w is the writer page and handleAPI give the handler.
func noteAudit(w http.ResponseWriter, target, outcome string) {
	if sw, ok := w.(*statusWriter); ok {
		sw.note = auditNote{target, outcome}
	}
}

// auditAction splits a recorded action into the catalog words of its verb
// and object; ok is false for an action that is not a route of a
// workspace.
func auditAction(action string) (verb, object string, ok bool) {
	method, path, found := strings.Cut(action, " ")
	if !found {
		return "", "", false
	}
	path = strings.TrimPrefix(path, "/api/v1")
	rest, isPage := strings.CutPrefix(path, "/w/{ws}")
	if !isPage {
		if rest, found = strings.CutPrefix(path, "/workspaces/{ws}"); !found {
			return "", "", false
		}
	}
	var words []string
	item := false // the route ends at one item ({id}), not a collection
	for _, seg := range strings.Split(strings.Trim(rest, "/"), "/") {
		item = strings.HasPrefix(seg, "{")
		if !item && seg != "" {
			words = append(words, seg)
		}
	}
	if len(words) > 0 {
		if v, isVerb := auditVerbs[words[len(words)-1]]; isVerb {
			verb, words = v, words[:len(words)-1]
		}
	}
	if len(words) > 0 {
		object = words[len(words)-1]
	}
	if verb == "" {
		switch {
		case method == "DELETE":
			verb = "delete"
		case item || auditSingles[object] || method == "PUT" || method == "PATCH":
			verb = "update"
		default:
			verb = "create"
		}
	}
	if object == "" {
		object = "workspace"
	}
	object = strings.ReplaceAll(object, "-", "_")
	if w, ok := auditWords[[2]string{verb, object}]; ok {
		verb, object = w[0], w[1]
	}
	return verb, object, true
}

// Action describes a recorded action, with the outcome its handler
// noted, in the page's language, or shows it as recorded when the
// catalog has no words for it.
func (v *view) Action(action, outcome string) string {
	verb, object, known := auditAction(action)
	if o, ok := auditOutcomes[outcome]; ok {
		verb = o
	}
	verbKey, objectKey := "audit.verb."+verb, "audit.object."+object
	if !known || !v.s.cat.Has(verbKey) || !v.s.cat.Has(objectKey) {
		return action
	}
	// A verb that does not read well before its object has a sentence of
	// its own ("Mark alert as read").
	sentence := "audit.action." + verb
	if !v.s.cat.Has(sentence) {
		sentence = "audit.action"
	}
	return spaceHanLatin(v.T(sentence, "Verb", v.T(verbKey), "Object", v.T(objectKey)))
}

// spaceHanLatin puts a space where a Chinese character and a Latin letter
// or digit meet, as the catalogs write "创建 API 令牌": joining the words
// of a verb and an object otherwise reads "新建API 令牌".
func spaceHanLatin(s string) string {
	var b strings.Builder
	var prev rune
	for i, r := range s {
		if i > 0 && (unicode.Is(unicode.Han, prev) && isLatin(r) || isLatin(prev) && unicode.Is(unicode.Han, r)) {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

func isLatin(r rune) bool { return r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) }
