package main

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestRootsOnBareHost: on a host without a bundle of root certificates (a
// bare container running the static binary), sources and webhooks over
// https can still tell a genuine server: the binary carries Mozilla's
// roots for when the system has none. The test runs itself again where
// SSL_CERT_FILE and SSL_CERT_DIR name nothing, as on such a host, and
// checks that a public root (ISRG Root X1, Let's Encrypt's) is trusted.
func TestRootsOnBareHost(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "isrg-root-x1.pem"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		t.Fatal("testdata/isrg-root-x1.pem holds no PEM block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("CHORUS_TEST_BARE_HOST") == "1" {
		if _, err := cert.Verify(x509.VerifyOptions{}); err != nil {
			t.Fatalf("a public root is not trusted on a host without roots: %v", err)
		}
		return
	}
	empty := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRootsOnBareHost$", "-test.count=1")
	cmd.Env = append(os.Environ(), "CHORUS_TEST_BARE_HOST=1",
		"SSL_CERT_FILE="+filepath.Join(empty, "none.pem"), "SSL_CERT_DIR="+empty)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("%v\n%s", err, out)
	}
}
