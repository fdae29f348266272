GO      ?= go
BIN     ?= sqc
# package:target, every fuzz target of the module
FUZZ    := api:FuzzDecodeDataMessage api:FuzzDecodeDataPage api:FuzzDecodeDevice api:FuzzImportPostman \
	api:FuzzClean api:FuzzSafeJSON state:FuzzUnpack
FREEZE  := $(GO) tool -modfile=tools/go.mod freeze

.PHONY: build install demo test bench fuzz fuzz-short screenshots lint

# The first build fetches the Go modules (minutes on a cold machine).
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

test: lint
	$(GO) test -race -count=1 ./...
	$(MAKE) fuzz-short

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# A short pass over every fuzz target; `make fuzz` runs each for longer.
# On a cold fuzz cache the fuzzer would spend the 5 s minimising the first
# inputs it finds (a dozen executions); -fuzzminimizetime 100x keeps it
# fuzzing (thousands a second). The last progress line shows the count.
fuzz-short:
	@log=$$(mktemp); for pf in $(FUZZ); do \
		p=$${pf%%:*}; f=$${pf#*:}; echo "$$p $$f:"; \
		$(GO) test ./$$p -run '^$$' -fuzz "^$$f$$" -fuzztime 5s -fuzzminimizetime 100x > $$log 2>&1; \
		rc=$$?; grep '^fuzz: elapsed' $$log | tail -1; \
		if [ $$rc -ne 0 ]; then cat $$log; rm -f $$log; exit 1; fi; \
	done; rm -f $$log

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
