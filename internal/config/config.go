// Package config reads Chorus's settings once, from flags and CHORUS_*
// environment variables (a variable X_FILE names a file holding X, for
// secrets), and hands them down; nothing reads them globally.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/pflag"
)

// Config is every setting of a Chorus process.
type Config struct {
	// Addr is the HTTP listen address.
	Addr string
	// DataDir holds the SQLite file and other local state.
	DataDir string
	// LogLevel is the least level logged: debug, info, warn or error.
	LogLevel string
	// DatabaseURL selects the database: empty for SQLite in DataDir, a
	// file path for another SQLite file, postgres://… for PostgreSQL.
	DatabaseURL string
	// Demo loads the demo workspace before serving.
	Demo bool
	// BaseURL is the address people reach Chorus at, which the addresses
	// it gives out are printed with: the tracking snippet, short links,
	// alert links. When empty, alert links derive one from Addr and the
	// pages print the address they were opened at.
	BaseURL string
	// ShortURL is the address short links are printed with, such as a
	// short domain that points at this server; BaseURL when empty.
	ShortURL string
	// ShortAddr, when set, is a listen address of its own for short links
	// only, served by a leaner HTTP server than Addr's: where a short
	// domain's traffic should go. Addr answers short links as well.
	ShortAddr string
	// GeoIP is the path of a MaxMind GeoIP2/GeoLite2 mmdb file; clicks
	// carry no country or region without one.
	GeoIP string
	// AllowPrivateFetch lets listening sources and alert webhooks reach
	// private, loopback and other non-public addresses (an intranet feed,
	// a chat bridge on the same machine) and send their tokens over plain
	// http://; off by default, as a guard against server-side request
	// forgery and leaked tokens.
	AllowPrivateFetch bool
	// TrustedProxies are the reverse proxies in front of Chorus, as IP
	// addresses and CIDR ranges separated by commas: a request from one of
	// them is the X-Forwarded-For address's, for visitor hashes, regions
	// and per-address limits. None by default, so that nobody can choose
	// their address by sending the header.
	TrustedProxies string
	// SMTP is the mail server alert e-mails go through; e-mail channels
	// fail with a clear error while SMTPHost is empty. The password comes
	// from CHORUS_SMTP_PASSWORD or CHORUS_SMTP_PASSWORD_FILE only, never a
	// flag, so it does not show in the process list.
	SMTPHost     string
	SMTPPort     int
	SMTPUser     string
	SMTPFrom     string
	SMTPPassword string
	// MetricsToken, when set, is the bearer token /metrics asks for; from
	// CHORUS_METRICS_TOKEN or CHORUS_METRICS_TOKEN_FILE only, as the SMTP
	// password. Empty leaves /metrics open, for a scraper that reaches
	// Chorus where nobody else does.
	MetricsToken string
}

// Default returns the settings of a fresh install.
func Default() Config {
	return Config{Addr: ":8080", DataDir: "./chorus-data", LogLevel: "info"}
}

// Level parses LogLevel.
func (c Config) Level() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return 0, fmt.Errorf("--log-level (CHORUS_LOG_LEVEL): %q is not one of debug, info, warn, error", c.LogLevel)
	}
	return l, nil
}

// Validate checks the settings of serve that would otherwise fail late or
// quietly (a base URL without https:// prints broken links and leaves
// cookies not Secure); each error names its flag and variable.
func (c Config) Validate() error {
	var errs []error
	for _, u := range []struct{ flag, env, value string }{
		{"--base-url", "CHORUS_BASE_URL", c.BaseURL},
		{"--short-url", "CHORUS_SHORT_URL", c.ShortURL},
	} {
		if u.value == "" {
			continue
		}
		p, err := url.Parse(u.value)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			errs = append(errs, fmt.Errorf("%s (%s): %q is not an address such as https://chorus.example.com", u.flag, u.env, u.value))
		}
	}
	if c.SMTPPort < 0 || c.SMTPPort > 65535 {
		errs = append(errs, fmt.Errorf("--smtp-port (CHORUS_SMTP_PORT): %d is not a port number", c.SMTPPort))
	}
	if _, err := c.Proxies(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Proxies parses TrustedProxies: an address stands for itself alone.
func (c Config) Proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for i, f := range strings.Split(c.TrustedProxies, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil {
				return nil, fmt.Errorf("--trusted-proxies (CHORUS_TRUSTED_PROXIES): entry %d, %q, is neither an IP address nor a CIDR range such as 10.0.0.0/8", i+1, f)
			}
			a = a.Unmap()
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// BindStorage adds the flags that every subcommand shares: --data, --db
// and --log-level.
func (c *Config) BindStorage(fs *pflag.FlagSet) {
	fs.StringVar(&c.DataDir, "data", c.DataDir, "data folder for the SQLite file and local state (CHORUS_DATA)")
	fs.StringVar(&c.DatabaseURL, "db", c.DatabaseURL, "database: empty for SQLite in the data folder, or postgres://user@host/db (CHORUS_DATABASE_URL)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "least level logged: debug, info, warn or error (CHORUS_LOG_LEVEL)")
}

// BindServe adds the flags of the serve command.
func (c *Config) BindServe(fs *pflag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", c.Addr, "HTTP listen address (CHORUS_ADDR)")
	fs.BoolVar(&c.Demo, "demo", c.Demo, "load the demo workspace before serving (CHORUS_DEMO)")
	fs.StringVar(&c.BaseURL, "base-url", c.BaseURL, "public address of this server, for the tracking snippet, short links and alert links (CHORUS_BASE_URL; default: the address a page was opened at)")
	fs.StringVar(&c.ShortURL, "short-url", c.ShortURL, "address short links are printed with, e.g. a short domain (CHORUS_SHORT_URL; default: the base URL)")
	fs.StringVar(&c.ShortAddr, "short-addr", c.ShortAddr, "a listen address of its own for short links only (/l/{code} and /healthz), on a leaner HTTP server: point a short domain's traffic at it (CHORUS_SHORT_ADDR; none by default, --addr answers short links too)")
	fs.BoolVar(&c.AllowPrivateFetch, "allow-private-fetch", c.AllowPrivateFetch, "let listening sources and alert webhooks reach private, loopback and link-local addresses, and send their tokens over plain http:// (CHORUS_ALLOW_PRIVATE_FETCH; off by default)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies, "reverse proxies in front of Chorus whose X-Forwarded-For names the client: IP addresses and CIDR ranges, comma-separated (CHORUS_TRUSTED_PROXIES; none by default)")
	fs.StringVar(&c.GeoIP, "geoip", c.GeoIP, "MaxMind GeoIP2/GeoLite2 mmdb file for the country and region of clicks (CHORUS_GEOIP; none by default)")
}

// BindSMTP adds the mail server flags of the serve command.
func (c *Config) BindSMTP(fs *pflag.FlagSet) {
	fs.StringVar(&c.SMTPHost, "smtp-host", c.SMTPHost, "SMTP server for alert e-mails (CHORUS_SMTP_HOST; none by default)")
	fs.IntVar(&c.SMTPPort, "smtp-port", c.SMTPPort, "SMTP port, STARTTLS when offered (CHORUS_SMTP_PORT; default 587)")
	fs.StringVar(&c.SMTPUser, "smtp-user", c.SMTPUser, "SMTP user name; the password is read from CHORUS_SMTP_PASSWORD or CHORUS_SMTP_PASSWORD_FILE (CHORUS_SMTP_USER)")
	fs.StringVar(&c.SMTPFrom, "smtp-from", c.SMTPFrom, "sender address of alert e-mails (CHORUS_SMTP_FROM)")
}

// ApplySecretEnv reads the secrets that have no flag, each from its
// variable X or the file X_FILE names: the SMTP password
// (CHORUS_SMTP_PASSWORD) and the metrics token (CHORUS_METRICS_TOKEN).
func (c *Config) ApplySecretEnv(getenv func(string) string) error {
	for _, sec := range []struct {
		name string
		dst  *string
	}{
		{"CHORUS_SMTP_PASSWORD", &c.SMTPPassword},
		{"CHORUS_METRICS_TOKEN", &c.MetricsToken},
	} {
		*sec.dst = getenv(sec.name)
		if path := getenv(sec.name + "_FILE"); *sec.dst == "" && path != "" {
			b, err := os.ReadFile(path)
			if err != nil {
				return fmt.Errorf("%s_FILE: %w", sec.name, err)
			}
			*sec.dst = strings.TrimRight(string(b), "\r\n")
		}
	}
	return nil
}

// env maps each flag to its variable.
var env = map[string]string{
	"data":                "CHORUS_DATA",
	"db":                  "CHORUS_DATABASE_URL",
	"log-level":           "CHORUS_LOG_LEVEL",
	"addr":                "CHORUS_ADDR",
	"demo":                "CHORUS_DEMO",
	"base-url":            "CHORUS_BASE_URL",
	"short-url":           "CHORUS_SHORT_URL",
	"short-addr":          "CHORUS_SHORT_ADDR",
	"geoip":               "CHORUS_GEOIP",
	"allow-private-fetch": "CHORUS_ALLOW_PRIVATE_FETCH",
	"trusted-proxies":     "CHORUS_TRUSTED_PROXIES",
	"smtp-host":           "CHORUS_SMTP_HOST",
	"smtp-port":           "CHORUS_SMTP_PORT",
	"smtp-user":           "CHORUS_SMTP_USER",
	"smtp-from":           "CHORUS_SMTP_FROM",
}

// ApplyEnv sets each flag that was not given on the command line from its
// environment variable, or from the file its _FILE variable names. Flags
// win over the environment.
func ApplyEnv(fs *pflag.FlagSet, getenv func(string) string) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		name, ok := env[f.Name]
		if !ok || f.Changed || err != nil {
			return
		}
		v := getenv(name)
		if path := getenv(name + "_FILE"); v == "" && path != "" {
			b, rerr := os.ReadFile(path)
			if rerr != nil {
				err = fmt.Errorf("%s_FILE: %w", name, rerr)
				return
			}
			v = strings.TrimSpace(string(b))
		}
		if v == "" {
			return
		}
		if serr := fs.Set(f.Name, v); serr != nil {
			err = fmt.Errorf("%s=%q: %w", name, v, serr)
		}
	})
	return err
}

// PublicURL is BaseURL, or an http URL derived from Addr.
func (c Config) PublicURL() string {
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/")
	}
	host := c.Addr
	if strings.HasPrefix(host, ":") {
		host = "localhost" + host
	}
	return "http://" + host
}
