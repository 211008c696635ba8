package config

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func TestApplyEnv(t *testing.T) {
	t.Parallel()
	secret := filepath.Join(t.TempDir(), "db")
	if err := os.WriteFile(secret, []byte("postgres://from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    Config
		wantErr bool
	}{
		{"defaults", nil, nil, Config{Addr: ":8080", DataDir: "./chorus-data", LogLevel: "info"}, false},
		{"env", nil, map[string]string{"CHORUS_ADDR": ":9000", "CHORUS_DEMO": "true"}, Config{Addr: ":9000", DataDir: "./chorus-data", LogLevel: "info", Demo: true}, false},
		{"flag beats env", []string{"--addr", ":7000"}, map[string]string{"CHORUS_ADDR": ":9000"}, Config{Addr: ":7000", DataDir: "./chorus-data", LogLevel: "info"}, false},
		{"file", nil, map[string]string{"CHORUS_DATABASE_URL_FILE": secret}, Config{Addr: ":8080", DataDir: "./chorus-data", LogLevel: "info", DatabaseURL: "postgres://from-file"}, false},
		{"env beats file", nil, map[string]string{"CHORUS_DATABASE_URL": "postgres://from-env", "CHORUS_DATABASE_URL_FILE": secret}, Config{Addr: ":8080", DataDir: "./chorus-data", LogLevel: "info", DatabaseURL: "postgres://from-env"}, false},
		{"flag beats file", []string{"--db", "postgres://from-flag"}, map[string]string{"CHORUS_DATABASE_URL_FILE": secret}, Config{Addr: ":8080", DataDir: "./chorus-data", LogLevel: "info", DatabaseURL: "postgres://from-flag"}, false},
		{"log level", nil, map[string]string{"CHORUS_LOG_LEVEL": "debug"}, Config{Addr: ":8080", DataDir: "./chorus-data", LogLevel: "debug"}, false},
		{"bad bool", nil, map[string]string{"CHORUS_DEMO": "maybe"}, Config{}, true},
		{"missing file", nil, map[string]string{"CHORUS_DATABASE_URL_FILE": "/nonexistent/x"}, Config{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := Default()
			fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
			c.BindStorage(fs)
			c.BindServe(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			err := ApplyEnv(fs, func(k string) string { return tt.env[k] })
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && c != tt.want {
				t.Errorf("got %+v, want %+v", c, tt.want)
			}
		})
	}
}

func TestProxies(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in, want, err string
	}{
		{"", "[]", ""},
		{"127.0.0.1", "[127.0.0.1/32]", ""},
		{" 10.1.2.3/8 , ::1, fd00::/8", "[10.0.0.0/8 ::1/128 fd00::/8]", ""},
		{"::ffff:192.0.2.1", "[192.0.2.1/32]", ""},
		{"10.0.0.0/8,,", "[10.0.0.0/8]", ""},
		{"10.0.0.0/8, 10.0.0.300", "", `entry 2, "10.0.0.300"`},
		{"proxy.internal", "", `entry 1, "proxy.internal", is neither`},
		{"10.0.0.0/33", "", `entry 1`},
	} {
		got, err := Config{TrustedProxies: tt.in}.Proxies()
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Proxies(%q) error %v, want one saying %s", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || fmt.Sprint(got) != tt.want {
			t.Errorf("Proxies(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		cfg  Config
		err  string
	}{
		{"defaults", Default(), ""},
		{"https base", Config{BaseURL: "https://chorus.example.com", ShortURL: "http://c.example:8080/", SMTPPort: 465}, ""},
		{"base without scheme", Config{BaseURL: "chorus.example.com"}, `--base-url (CHORUS_BASE_URL): "chorus.example.com" is not an address`},
		{"short of another scheme", Config{ShortURL: "ftp://c.example"}, `--short-url (CHORUS_SHORT_URL): "ftp://c.example"`},
		{"no host", Config{BaseURL: "https://"}, `--base-url`},
		{"smtp port", Config{SMTPPort: 70000}, `--smtp-port (CHORUS_SMTP_PORT): 70000 is not a port`},
		{"proxies", Config{TrustedProxies: "1.2.3"}, `--trusted-proxies`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.err == "" {
				if err != nil {
					t.Errorf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Validate: %v, want an error saying %s", err, tt.err)
			}
		})
	}
}

func TestLevel(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want slog.Level
		err  string
	}{
		{"info", slog.LevelInfo, ""},
		{"debug", slog.LevelDebug, ""},
		{"WARN", slog.LevelWarn, ""},
		{"error", slog.LevelError, ""},
		{"verbose", 0, `--log-level (CHORUS_LOG_LEVEL): "verbose" is not one of debug, info, warn, error`},
	} {
		got, err := Config{LogLevel: tt.in}.Level()
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("Level(%q) error %v, want %s", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Level(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestApplySecretEnv(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name       string
		env        map[string]string
		smtp, metr string
		err        string
	}{
		{"none", nil, "", "", ""},
		{"variables", map[string]string{"CHORUS_SMTP_PASSWORD": "pw", "CHORUS_METRICS_TOKEN": "tok"}, "pw", "tok", ""},
		{"metrics token from a file", map[string]string{"CHORUS_METRICS_TOKEN_FILE": file}, "", "from-file", ""},
		{"variable beats file", map[string]string{"CHORUS_METRICS_TOKEN": "tok", "CHORUS_METRICS_TOKEN_FILE": file}, "", "tok", ""},
		{"missing file", map[string]string{"CHORUS_METRICS_TOKEN_FILE": "/nonexistent/x"}, "", "", "CHORUS_METRICS_TOKEN_FILE"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var c Config
			err := c.ApplySecretEnv(func(k string) string { return tt.env[k] })
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("error %v, want one naming %s", err, tt.err)
				}
				return
			}
			if err != nil || c.SMTPPassword != tt.smtp || c.MetricsToken != tt.metr {
				t.Errorf("SMTP password %q, metrics token %q, %v; want %q, %q", c.SMTPPassword, c.MetricsToken, err, tt.smtp, tt.metr)
			}
		})
	}
}
