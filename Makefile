GO      ?= go
BIN     ?= sqc
FUZZ    := FuzzDecodeDataMessage FuzzDecodeDataPage FuzzDecodeDevice FuzzImportPostman
FREEZE  := $(GO) tool -modfile=tools/go.mod freeze

.PHONY: build demo test bench fuzz fuzz-short screenshots lint

build:
	$(GO) build -o $(BIN) .

demo: build
	./$(BIN) --demo

test: lint
	$(GO) test -race -count=1 ./...
	$(MAKE) fuzz-short

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# A short pass over every fuzz target; `make fuzz` runs each for longer.
fuzz-short:
	@for f in $(FUZZ); do $(GO) test ./api -run '^$$' -fuzz "^$$f$$" -fuzztime 5s || exit 1; done

fuzz:
	@for f in $(FUZZ); do $(GO) test ./api -run '^$$' -fuzz "^$$f$$" -fuzztime $${FUZZTIME:-2m} || exit 1; done

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
