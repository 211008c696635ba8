# The README's test command is `make test`; CI (.ci/run) runs it and more.
GO ?= go

.PHONY: test lint build run race

# Every package's tests, on SQLite; the PostgreSQL half of the store suite
# runs when CHORUS_TEST_POSTGRES_URL is set.
test:
	$(GO) test ./...

build:
	CGO_ENABLED=0 $(GO) build -o bin/chorus ./cmd/chorus

run:
	$(GO) run ./cmd/chorus serve --demo

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# Two tests that `make test` runs are left out here, where the race
# detector makes the code some ten times slower: TestBrowser walks the
# demo in Chromium within a 90-second budget (over five minutes of the
# web suite's race run on two cores, and past its budget), and
# TestAllowlistOutsideManyLinks measures the heap while 100,000 links are
# read, at a GC percent of 1. The web suite's other tests take about five
# minutes here.
race:
	$(GO) test -race -timeout 20m -skip '^(TestBrowser|TestAllowlistOutsideManyLinks)$$' ./internal/store/... ./internal/jobs/... ./internal/web/...
