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

# The web suite under the race detector takes about ten minutes on two
# cores, go test's default limit for a package.
race:
	$(GO) test -race -timeout 20m ./internal/store/... ./internal/jobs/... ./internal/web/...
