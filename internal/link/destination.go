package link

import (
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"

	"github.com/chorus-hq/chorus/internal/apperr"
)

// MaxDestination bounds a destination URL, tags included.
const MaxDestination = 2048

// maxDomains bounds a workspace's destination-domain allowlist.
const maxDomains = 200

// ValidateDestination checks that raw is a destination Chorus may redirect
// to and returns it normalized (scheme and host in lower case). It must be
// http or https with a host, carry no credentials, no control characters
// or backslashes, no "cid" parameter (the redirect adds its own), and, when
// allow (the workspace's allowlist as stored) is not empty, have a host
// that is one of its domains in force (InForce) or below one: an entry
// saved before NormalizeDomains refused it allows nothing. Returns
// apperr.Invalid with a field error on field otherwise.
func ValidateDestination(field, raw string, allow []string) (string, error) {
	var fs apperr.Fields
	u, key := parseDestination(raw)
	if key != "" {
		fs.Add(field, key, "Max", MaxDestination)
		return "", fs.Err()
	}
	if len(allow) > 0 {
		inForce, _ := InForce(allow)
		switch {
		case len(inForce) == 0:
			fs.Add(field, "error.link_domain_none_in_force", "Host", u.Hostname())
		case !DomainAllowed(u.Hostname(), inForce):
			fs.Add(field, "error.link_domain_not_allowed", "Host", u.Hostname(), "Allowed", strings.Join(inForce, ", "))
		}
		if err := fs.Err(); err != nil {
			return "", err
		}
	}
	out := u.String()
	if len(out) > MaxDestination {
		fs.Add(field, "error.too_long", "Max", MaxDestination)
		return "", fs.Err()
	}
	return out, nil
}

func parseDestination(raw string) (*url.URL, string) {
	raw = strings.TrimSpace(raw)
	switch {
	case raw == "":
		return nil, "error.required"
	case len(raw) > MaxDestination:
		return nil, "error.too_long"
	}
	for _, r := range raw {
		if r < 0x20 || r == 0x7f || r == '\\' || unicode.IsSpace(r) || r == unicode.ReplacementChar {
			return nil, "error.link_destination"
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" {
		return nil, "error.link_destination"
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, "error.link_scheme"
	}
	if u.User != nil || strings.Contains(u.Host, "@") {
		return nil, "error.link_credentials"
	}
	host := strings.ToLower(u.Hostname())
	if !validHost(host) {
		return nil, "error.link_destination"
	}
	if !isASCII(host) {
		// Internationalized names go out as punycode, which every client
		// resolves; a percent-escaped host would not.
		ascii, err := idna.Lookup.ToASCII(host)
		if err != nil {
			return nil, "error.link_destination"
		}
		if p := u.Port(); p != "" {
			u.Host = ascii + ":" + p
		} else {
			u.Host = ascii
		}
	}
	// An empty port ("host:") is the default one (RFC 3986); another must
	// be one a browser can reach.
	u.Host = strings.TrimSuffix(u.Host, ":")
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 || p[0] == '+' {
			return nil, "error.link_destination"
		}
	}
	u.Host = strings.ToLower(u.Host)
	// The query is the destination's own business ("50%off" and ";" are
	// not ours to refuse); only the cid key is taken.
	for _, k := range queryKeys(u.RawQuery) {
		if k == "cid" {
			return nil, "error.link_cid_reserved"
		}
	}
	// The path and fragment go out escaped (URL.String); the query is kept
	// as written, so its other characters are escaped here: a Location
	// header is ASCII.
	u.RawQuery = escapeNonASCII(u.RawQuery)
	return u, ""
}

// escapeNonASCII percent-encodes the bytes of s that are not ASCII,
// leaving everything else, escapes included, as it is.
func escapeNonASCII(s string) string {
	if isASCII(s) {
		return s
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// validHost accepts an IP address or a DNS name of letters (any script),
// digits, hyphens and dots, with no empty label.
func validHost(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	if net.ParseIP(h) != nil {
		return true
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
				return false
			}
		}
	}
	return true
}

// DomainAllowed reports whether host is one of the domains or a subdomain
// of one.
func DomainAllowed(host string, domains []string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, d := range domains {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// NormalizeDomains cleans an allowlist: lower case, no duplicates, each
// a public domain name. An entry is a line, which may list several
// domains separated by commas (never by spaces: a space is no separator
// inside a pasted address, so it is refused, not split). A pasted address gives its host, and "*.d" is d,
// since an entry allows its sub-domains anyway. Refused, because they
// allow no one site or no public one: single names (localhost, com),
// public suffixes (co.uk, github.io), private network names (*.local,
// *.internal) and IP addresses. Returns apperr.Invalid naming each bad
// domain as typed and its line (the entry's 1-based index).
func NormalizeDomains(in []string) ([]string, error) {
	var fs apperr.Fields
	if len(in) > maxDomains {
		fs.Add("domains", "error.too_many_items", "Max", maxDomains)
		return nil, fs.Err()
	}
	seen := map[string]bool{}
	out := []string{}
	for i, line := range in {
		for _, raw := range strings.FieldsFunc(line, func(c rune) bool { return c == ',' || c == '，' }) {
			raw = strings.TrimSpace(raw)
			if raw == "" {
				continue
			}
			d, key := allowedDomain(raw)
			if key != "" {
				fs.Add(indexField("domains", i), key, "Value", raw, "Line", i+1)
				continue
			}
			if !seen[d] {
				seen[d] = true
				out = append(out, d)
			}
		}
	}
	if len(out) > maxDomains {
		fs.Add("domains", "error.too_many_items", "Max", maxDomains)
	}
	return out, fs.Err()
}

// InForce is the part of a stored allowlist that allows destinations:
// the entries NormalizeDomains accepts today. A list saved before it
// refused single names, public suffixes, private names and IP addresses
// may hold such an entry ("com", "co.uk", "localhost"); it allows
// nothing, since it would allow every site below it or none that the
// public reaches, and refused is NormalizeDomains' apperr.Invalid naming
// each such entry with its line and why (nil when there is none). A list
// whose every entry is refused still is a list: it allows no destination,
// not every one.
func InForce(stored []string) (domains []string, refused error) {
	domains, refused = NormalizeDomains(stored)
	if domains == nil {
		domains = []string{}
	}
	return domains, refused
}

// privateSuffixes are names only a private network resolves (RFC 6762,
// RFC 8375, ICANN's .internal), which the public following a short link
// cannot reach.
var privateSuffixes = []string{"localhost", "local", "internal", "lan", "home.arpa"}

// allowedDomain is entry raw as an allowlist domain in ASCII, or the
// message key of why it cannot be one.
func allowedDomain(raw string) (string, string) {
	s := strings.ToLower(raw)
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil || u.Opaque != "" {
		return "", "error.link_domain"
	}
	h := strings.TrimSuffix(u.Hostname(), ".")
	if net.ParseIP(h) != nil {
		return "", "error.link_domain_ip"
	}
	h = strings.TrimPrefix(h, "*.")
	if !validHost(h) {
		return "", "error.link_domain"
	}
	if !isASCII(h) {
		if h, err = idna.Lookup.ToASCII(h); err != nil {
			return "", "error.link_domain"
		}
	}
	if !strings.Contains(h, ".") {
		return "", "error.link_domain_single"
	}
	for _, p := range privateSuffixes {
		if h == p || strings.HasSuffix(h, "."+p) {
			return "", "error.link_domain_private"
		}
	}
	if ps, _ := publicsuffix.PublicSuffix(h); ps == h {
		return "", "error.link_domain_suffix"
	}
	return h, ""
}

func indexField(name string, i int) string {
	return name + "[" + itoa(i) + "]"
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	neg := i < 0
	if neg {
		i = -i
	}
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	if neg {
		n--
		b[n] = '-'
	}
	return string(b[n:])
}

// UTM are the campaign parameters a link adds to its destination.
type UTM struct {
	Source   string `json:"source"`
	Medium   string `json:"medium"`
	Campaign string `json:"campaign"`
	Content  string `json:"content"`
}

// Tag returns dest with the link's UTM parameters after its own query and
// before its fragment. A parameter the link sets replaces the
// destination's own of that name (a destination copied from a newsletter
// link keeps utm_source=newsletter otherwise, and the platform's visitors
// would be reported as the newsletter's); the rest of the query is kept as
// written, and empty parameters are left out.
func Tag(dest string, t UTM) string {
	u, err := url.Parse(dest)
	if err != nil {
		return dest
	}
	params := [][2]string{{"utm_source", t.Source}, {"utm_medium", t.Medium}, {"utm_campaign", t.Campaign}, {"utm_content", t.Content}}
	set := map[string]bool{}
	for _, p := range params {
		set[p[0]] = p[1] != ""
	}
	var parts []string
	for _, part := range strings.Split(u.RawQuery, "&") {
		if part != "" && !set[queryKey(part)] {
			parts = append(parts, part)
		}
	}
	for _, p := range params {
		if p[1] != "" {
			parts = append(parts, p[0]+"="+url.QueryEscape(p[1]))
		}
	}
	u.RawQuery = strings.Join(parts, "&")
	u.ForceQuery = false
	return u.String()
}

// queryKeys returns the keys of a raw query, unescaped where they can be.
func queryKeys(raw string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(raw, func(r rune) bool { return r == '&' || r == ';' }) {
		out = append(out, queryKey(part))
	}
	return out
}

// queryKey is the key of one key=value part of a query.
func queryKey(part string) string {
	k, _, _ := strings.Cut(part, "=")
	if u, err := url.QueryUnescape(k); err == nil {
		return u
	}
	return k
}

// Target is a tagged destination split where the click id goes, so the
// redirect builds its Location by concatenation: Prefix + cid + Suffix.
type Target struct {
	Prefix string
	Suffix string
}

// SplitTarget prepares a tagged destination for the redirect.
func SplitTarget(tagged string) Target {
	base, frag, hasFrag := strings.Cut(tagged, "#")
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
		if strings.HasSuffix(base, "?") || strings.HasSuffix(base, "&") {
			sep = ""
		}
	}
	t := Target{Prefix: base + sep + "cid="}
	if hasFrag {
		t.Suffix = "#" + frag
	}
	return t
}

// URL is the Location for one click.
func (t Target) URL(clickID string) string { return t.Prefix + clickID + t.Suffix }
