GO      ?= go
BIN     ?= sqc
# package:target, every fuzz target of the module
FUZZ    := api:FuzzDecodeDataMessage api:FuzzDecodeDataPage api:FuzzDecodeDevice api:FuzzImportPostman \
	api:FuzzClean api:FuzzSafeJSON state:FuzzUnpack
FREEZE  := $(GO) tool -modfile=tools/go.mod freeze

.PHONY: build install demo test bench fuzz fuzz-short screenshots lint

# The first build fetches the Go modules (about half a minute on a cold machine).
build:
	$(GO) build -o $(BIN) .

# go install puts sqc in $(go env GOBIN), or $(go env GOPATH)/bin.
install:
	$(GO) install .
	@bin=$$($(GO) env GOBIN); [ -n "$$bin" ] || bin=$$($(GO) env GOPATH | cut -d: -f1)/bin; \
		echo "installed $$bin/sqc"; \
		case ":$$PATH:" in *":$$bin:"*) ;; *) echo "$$bin is not on PATH: add it, e.g. export PATH=\"\$$PATH:$$bin\"";; esac

demo: build
	./$(BIN) --demo

# tools/testsum runs go test -json and prints a line per package as it
# ends, the output of what failed, and each skipped test with its reason;
# it exits as go test did. go test runs two packages at a time, in the
# order given: the two longest, the command line's (it builds the binary
# and drives it in terminals) and the console's (mostly waiting on its
# clocks), go first so that they overlap the others rather than queueing
# behind them.
test: lint
	@sum=$$(mktemp -d); trap 'rm -rf "$$sum"' EXIT; \
		$(GO) build -C tools -o "$$sum/testsum" ./testsum && \
		"$$sum/testsum" -- $(GO) test -race -count=1 -json ./ui/cli ./ui ./...
	@$(MAKE) --no-print-directory fuzz-short

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# A short pass over every fuzz target, FUZZN inputs each (a few seconds on
# two cores). A count, not a time: with -fuzztime 5s the coordinator can
# fail with "context deadline exceeded" when the time runs out
# (golang/go#51484). On a cold fuzz cache the fuzzer would spend its budget
# minimising the first inputs it finds; -fuzzminimizetime 100x keeps it
# fuzzing. A run that fails without saving a crasher in testdata/fuzz is
# the fuzzer's own trouble and is tried once more; one that saves a
# crasher fails.
FUZZN   ?= 10000
fuzz-short:
	@log=$$(mktemp); trap 'rm -f "$$log"' EXIT; for pf in $(FUZZ); do \
		p=$${pf%%:*}; f=$${pf#*:}; \
		for try in 1 2; do \
			before=$$(ls $$p/testdata/fuzz/$$f 2>/dev/null | wc -l); \
			$(GO) test ./$$p -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZN)x -fuzzminimizetime 100x > $$log 2>&1; \
			rc=$$?; [ $$rc -eq 0 ] && break; \
			after=$$(ls $$p/testdata/fuzz/$$f 2>/dev/null | wc -l); \
			if [ $$try -eq 2 ] || [ "$$after" != "$$before" ]; then cat $$log; echo "FAIL fuzz $$p $$f"; exit 1; fi; \
			echo "     fuzz $$p $$f failed without a crasher (the fuzzer's own trouble): once more"; \
		done; \
		echo "ok   fuzz $$p $$f: $$(grep '^fuzz: elapsed' $$log | tail -1 | sed 's/^fuzz: //')"; \
	done

fuzz:
	@for pf in $(FUZZ); do p=$${pf%%:*}; f=$${pf#*:}; \
		$(GO) test ./$$p -run '^$$' -fuzz "^$$f$$" -fuzztime $${FUZZTIME:-2m} || exit 1; done

screenshots:
	rm -f screenshots/*.ansi
	SQC_SCREENSHOTS=$(CURDIR)/screenshots $(GO) test ./ui -run '^TestScreenshots$$' -count=1
	@for f in screenshots/*.ansi; do \
		$(FREEZE) --language ansi --window --theme dracula --font.size 13 --padding 20 -o "$${f%.ansi}.png" < "$$f" || exit 1; \
	done
	rm -f screenshots/*.ansi

lint:
	@out=$$(gofmt -l .); \
		if [ -n "$$out" ]; then echo "gofmt wants to change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
