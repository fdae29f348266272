package cli

import (
	"context"

	"github.com/spf13/pflag"
)

// The command line, in one table: every command with its arguments and
// how many it takes, its one-line help, the shared flags it takes and its
// own. Help, usage errors, argument counts and flag parsing all come from
// here (cmd_cli.go builds the cobra tree). Adding a command is adding a
// row: {path: "config get", args: "DEVICEID", argc: exactly(1, "..."),
// about: "...", uses: withProfile | withAPIURL, run: withOpts(flags,
// runConfigGet)}; a row whose path has a space is a subcommand of the row
// named by its first word, which must exist (a group row may have no run).

// command is one row of the table.
type command struct {
	path    string   // "" is the console; "auth login" is login under auth
	args    string   // positional arguments, for usage: "DEVICEID"
	argc    argCount // how many it takes; the zero value is none
	about   string   // one line, in the list of commands
	long    string   // more, in the command's own help
	example string
	uses    sharedFlags
	run     runner // nil for a row that only groups others
}

// runner registers a command's own flags, into an options value of its
// own, and returns what runs the command with them once they are parsed.
type runner func(fs *pflag.FlagSet) runFunc

type runFunc func(ctx context.Context, e *env, args []string) error

// withOpts is the runner of a command with flags of its own: flags puts
// them in a fresh O, and run is given that O.
func withOpts[O any](flags func(fs *pflag.FlagSet, o *O), run func(ctx context.Context, e *env, o *O, args []string) error) runner {
	return func(fs *pflag.FlagSet) runFunc {
		o := new(O)
		flags(fs, o)
		return func(ctx context.Context, e *env, args []string) error { return run(ctx, e, o, args) }
	}
}

// noOpts is the runner of a command with no flags of its own.
func noOpts(run runFunc) runner {
	return func(*pflag.FlagSet) runFunc { return run }
}

// argCount is how many arguments a command takes and what a wrong count
// is told. The command runs only with a count it takes.
type argCount struct {
	min, max int    // max < 0: no upper bound
	usage    string // the answer to a wrong count; "" for a command that takes none
	instead  string // a flag that stands for the arguments: set, the command counts them itself
}

func exactly(n int, usage string) argCount { return argCount{min: n, max: n, usage: usage} }
func atLeast(n int, usage string) argCount { return argCount{min: n, max: -1, usage: usage} }

func (a argCount) takes(n int) bool { return n >= a.min && (a.max < 0 || n <= a.max) }

// or is the count with a flag that may stand for the arguments (device
// add's --from, a file of devices).
func (a argCount) or(flag string) argCount { a.instead = flag; return a }

// insteadSet reports whether the flag that stands for the arguments is set.
func (a argCount) insteadSet(fs *pflag.FlagSet) bool {
	f := fs.Lookup(a.instead)
	// a bool flag says "false" when it is not set
	return a.instead != "" && f != nil && f.Value.String() != "" && f.Value.String() != "false"
}

// sharedFlags are flags several commands take, each command only those
// that mean something to it.
type sharedFlags uint8

const (
	withProfile  sharedFlags = 1 << iota // --profile
	withDebug                            // --debug
	withAPIURL                           // --api-url
	withDemo                             // --demo
	withReadOnly                         // --read-only: every write is refused
	withASCII                            // --ascii: ASCII symbols

	withAccount = withProfile | withDebug | withAPIURL // a command that talks to the account
)

// addShared registers the shared flags a command uses.
func addShared(fs *pflag.FlagSet, o *sharedOpts, uses sharedFlags) {
	if uses&withAPIURL != 0 {
		fs.StringVar(&o.apiURL, "api-url", "", "API URL (else SENQUIP_API_URL, profile, default)")
	}
	if uses&withProfile != 0 {
		fs.StringVar(&o.profile, "profile", "", "profile name (default: SQC_PROFILE or default)")
	}
	if uses&withDebug != 0 {
		fs.BoolVar(&o.debug, "debug", false, "write a debug log in $XDG_STATE_HOME/sqc")
	}
	if uses&withDemo != 0 {
		fs.BoolVar(&o.demo, "demo", false, "use a simulated Senquip Cloud in this process")
	}
	if uses&withReadOnly != 0 {
		fs.BoolVar(&o.readOnly, "read-only", false, "refuse every write (as the profile's read_only)")
	}
	if uses&withASCII != 0 {
		fs.BoolVar(&o.ascii, "ascii", false, "draw ASCII symbols only (as a non-UTF-8 locale)")
	}
}

const (
	jsonHelp = "print the server's JSON, nothing dropped"
	yesHelp  = "send without asking; a script needs it"
)

// withWrite is what a command that writes takes.
const withWrite = withAccount | withDemo | withReadOnly

var commands = []command{
	{path: "", about: "open the console",
		long: "sqc is a terminal console for fleets of Senquip telemetry devices, over the Senquip Cloud API.\n" +
			"Run without a command it opens the console; the commands below are for scripts and tickets.\n\n" +
			"Environment: SENQUIP_API_KEY (overrides stored keys), SENQUIP_API_URL, SQC_PROFILE, XDG_CONFIG_HOME, XDG_STATE_HOME.\n" +
			"Exit status: 0 ok, 1 error, 2 usage.",
		example: "sqc --demo\nsqc --profile acme --device JDA54E19F\nsqc data JDA54E19F --json | jq .",
		uses:    withAccount | withDemo | withReadOnly | withASCII,
		run: withOpts(func(fs *pflag.FlagSet, o *consoleOpts) {
			fs.StringVar(&o.device, "device", "", "open straight on this device ID")
			fs.BoolVar(&o.notify, "notify", false, "ring the bell and send a desktop notification (OSC 9/777) when a device enters alarm; one a second at most (or the profile's notify = true)")
		}, runConsole)},
	{path: "devices", about: "list the account's devices",
		long:    "List every device of the account: ID, name, group, model, plan, when it was last seen and, for devices not on a Hosted plan, the API calls left this month.",
		example: "sqc devices --profile acme\nsqc devices --json | jq '.devices[].deviceid'\nsqc devices --csv > devices.csv",
		uses:    withAccount | withDemo | withASCII,
		run: withOpts(func(fs *pflag.FlagSet, o *devicesOpts) {
			fs.BoolVar(&o.json, "json", false, jsonHelp)
			fs.BoolVar(&o.csv, "csv", false, "print CSV for a spreadsheet: every cell as text, a formula never run")
		}, runDevices)},
	{path: "watch", about: "print each change of a device's state as it happens (alarm, back to ok, stale, offline)",
		long:    "Run the console's engine with no screen, on the same scheduler, quota share and database, and print a line for every change of a device's state and every new event of level alert or above, as it is found: time, device, name, from → to, the event. The states the database last knew are the baseline: only what changes from now on is printed. Ends on SIGTERM or SIGINT, and quietly when the reader of its output goes away.",
		example: "sqc watch --filter 'group:north'\nsqc watch --json | jq -c 'select(.to == \"alarm\")'",
		uses:    withAccount | withDemo,
		run: withOpts(func(fs *pflag.FlagSet, o *watchOpts) {
			fs.StringVar(&o.filter, "filter", "", "only the devices the device list's filter matches: pump group:north !plan:none")
			fs.BoolVar(&o.json, "json", false, "print one JSON object a line: at, deviceid, name, from, to, event, text")
		}, runWatch)},
	{path: "history", args: "DEVICEID", about: "print a device's messages over a time range, as CSV, JSON or a text chart",
		argc:    exactly(1, "history takes one device ID: sqc history DEVICEID [--since 24h] [--until T] [--csv|--json|--plot]"),
		long:    "Print a device's messages over a time range, oldest first: what this machine's database holds, and the spans it lacks fetched from the server (a page of up to 1,000 a request) and kept, so the same range asked again costs no request. --csv (the default) writes a row per message with its time in RFC 3339; --plot draws the numeric fields as text charts, the terminal's width (80 columns when not a terminal). Ranges as the console types them, in local time: 24h, -3h..now, 02:00..04:00, 2026-12-01 02:00..04:00. A fetch of more than 3 requests is asked first (y/N, with its share of today's budget); with no one at a terminal to answer it is refused unless --yes.",
		example: "sqc history JDA54E19F --since 24h --csv\nsqc history JDA54E19F --since 2026-12-01 --until 2026-12-02 --field vin,ambient --plot\nsqc history JDA54E19F --since 7d --offline\nsqc history JDA54E19F --since 7d --yes --csv > week.csv",
		uses:    withAccount | withDemo | withASCII,
		run: withOpts(func(fs *pflag.FlagSet, o *historyOpts) {
			fs.StringVar(&o.since, "since", "24h", "the range, or its start with --until: 24h, -3h..now, 2026-12-01 02:00..04:00")
			fs.StringVar(&o.until, "until", "", "the range's end: now, -1h, 04:00, 2026-12-01 04:00")
			fs.StringSliceVar(&o.fields, "field", nil, "the keys to print or plot, comma-separated (default: every key; the 3 fullest for --plot)")
			fs.BoolVar(&o.csv, "csv", false, "a row per message, times in RFC 3339 (the default)")
			fs.BoolVar(&o.json, "json", false, jsonHelp)
			fs.BoolVar(&o.plot, "plot", false, "the numeric fields as text charts")
			fs.BoolVar(&o.offl, "offline", false, "only what is stored: no request")
			fs.BoolVarP(&o.yes, "yes", "y", false, "fetch without asking: more than 3 requests are asked first at a terminal, and refused when no one can answer")
		}, runHistory)},
	{path: "ticket", args: "DEVICEID", about: "write a device's triage report (Markdown) from what is stored",
		argc:    exactly(1, "ticket takes one device ID: sqc ticket DEVICEID [--since 24h] [-o FILE]"),
		long:    "Write a device's triage report as Markdown, from what this machine's database holds (no request is sent): the device, its state, its latest readings, the range's events, charts and min/max, and what sqc did to it. Never the API key. The file is new, never written over: a relative name goes to the current folder (the exports folder when that cannot be written); -o - prints it. It prints the file's path.",
		example: "sqc ticket JDA54E19F\nsqc ticket JDA54E19F --since 6h -o pump3.md",
		uses:    withProfile | withDebug,
		run: withOpts(func(fs *pflag.FlagSet, o *ticketOpts) {
			fs.StringVar(&o.since, "since", "24h", "the range, or its start with --until: 24h, -3h..now, 2026-12-01 02:00..04:00")
			fs.StringVar(&o.until, "until", "", "the range's end: now, -1h, 04:00, 2026-12-01 04:00")
			fs.StringVarP(&o.out, "output", "o", "", "the file to write (- prints it); default sqc-ticket-ID-TIME.md")
		}, runTicket)},
	{path: "data", args: "DEVICEID", about: "print a device's latest data messages",
		argc:    exactly(1, "data takes one device ID: sqc data DEVICEID [--json] [--limit N]"),
		long:    "Print a device's latest data messages, newest first, every key with its unit, in the groups of the console's readings pane; ts and time in RFC 3339 (--json keeps the server's numbers).",
		example: "sqc data JDA54E19F\nsqc data jda54e19f --limit 10 --json",
		uses:    withAccount | withDemo | withASCII,
		run: withOpts(func(fs *pflag.FlagSet, o *dataOpts) {
			fs.BoolVar(&o.json, "json", false, jsonHelp)
			fs.IntVar(&o.limit, "limit", 1, "how many messages, newest first (1-1000)")
		}, runData)},
	{path: "config", about: "read or change a device's settings"},
	{path: "config get", args: "DEVICEID", about: "print a device's settings and synced state",
		argc: exactly(1, "config get takes one device ID: sqc config get DEVICEID [--json]"),
		long: "Print a device's settings as dotted keys and values, sorted and grouped by their first part, with its synced state " +
			"(false while a change waits for the device's next check-in) and, for a device not on a Hosted plan, its API calls left this month.\n\n" +
			"Reading the config of a device not on a Hosted plan costs one of its 50 calls a month: stderr says so.",
		example: "sqc config get JDA54E19F\nsqc config get JDA54E19F --json | jq .config.ambient",
		uses:    withAccount | withDemo | withASCII,
		run: withOpts(func(fs *pflag.FlagSet, o *configGetOpts) {
			fs.BoolVar(&o.json, "json", false, jsonHelp)
		}, runConfigGet)},
	{path: "config set", args: "IDS KEY=VALUE...", about: "change settings of one or many devices",
		argc: atLeast(2, "config set takes device IDs and settings: sqc config set IDS KEY=VALUE... (IDS: ID,ID,... or - for stdin)").or("resume"),
		long: "Change settings of devices. IDS is a device ID, several joined by commas, or - to read them from stdin, one a line. " +
			"Each device's config is read, each value is read as the type the setting has now " +
			"(a number stays a number, true/false a boolean), and the change and the exact request are printed. " +
			"A setting a device does not have, or a value of the wrong type, stops the command before anything is sent.\n\n" +
			"On a terminal it asks once, default No; from a script it sends only with --yes, and without it prints what --yes would send. " +
			"IDs read from stdin need --yes too. --dry-run prints the change and the exact requests and sends nothing. " +
			"One partial update per device, a line per device with its outcome; exit 1 if any failed. " +
			"A write refused by a 429 waits out the server's Retry-After and goes again, a spent daily quota waits for 00:00 UTC, " +
			"a network failure backs off before giving up; nothing else is retried. The run is kept as a job: stopped half way " +
			"(ctrl+c, SIGTERM, a refused key, the network down), sqc config set --resume sends the rest, none twice. " +
			"Every write is in the audit log (sqc audit prints it).",
		example: "sqc config set JDA54E19F ambient.warning=47\nsqc config set JDA54E19F,HE8EV12LF serial1.mode=MODBUS serial1.baud=19200\n" +
			"sqc config set - input1.interval=60 --yes < pumps.txt\nsqc config set JDA54E19F ambient.warning=47 --dry-run\nsqc config set --resume",
		uses: withWrite,
		run: withOpts(func(fs *pflag.FlagSet, o *configSetOpts) {
			fs.BoolVarP(&o.yes, "yes", "y", false, yesHelp)
			fs.BoolVar(&o.dryRun, "dry-run", false, "print the change and the requests; send nothing")
			fs.BoolVar(&o.resume, "resume", false, "send the rest of a change that stopped before its end (no IDS or settings)")
		}, runConfigSet)},
	{path: "device", about: "add devices to the account"},
	{path: "device add", args: "DEVICEID", about: "add a device, or a CSV file of them",
		argc: exactly(1, "device add takes one device ID: sqc device add DEVICEID [--group NAME | --group-id ID] [--setup-password-stdin], or --from FILE.csv").or("from"),
		long: "Add a device to the account by its ID (printed under the lid or on the box), in a group by name or id. " +
			"A device registered elsewhere answers Password Required: give its setup password on stdin with --setup-password-stdin " +
			"(never on the command line) and the add is sent once more with it.\n\n" +
			"--from FILE.csv adds many: a header row naming deviceid, group and setup_password, then one device a row. " +
			"A bad row is reported with its line number and the rest go on; exit 1 if any row failed.",
		example: "sqc device add JDA54E19F --group 'North Pumps'\npass box/JDA54E19F | sqc device add JDA54E19F --setup-password-stdin -y\n" +
			"sqc device add --from new-boxes.csv --yes",
		uses: withWrite,
		run: withOpts(func(fs *pflag.FlagSet, o *deviceAddOpts) {
			fs.StringVar(&o.group, "group", "", "put it in the group of this name")
			fs.StringVar(&o.groupID, "group-id", "", "put it in the group of this id")
			fs.BoolVar(&o.passwordStdin, "setup-password-stdin", false, "read its setup password from stdin")
			fs.StringVar(&o.from, "from", "", "add the devices of a CSV file")
			fs.BoolVarP(&o.yes, "yes", "y", false, yesHelp)
		}, runDeviceAdd)},
	{path: "files", about: "load MQTT certificates onto a device"},
	{path: "files load", args: "DEVICEID FILE...", about: "load MQTT certificates onto a device",
		argc: atLeast(2, "files load takes a device ID and its files: sqc files load DEVICEID FILE... [--as NAME]"),
		long: "Load PEM files onto a device for its MQTT endpoint, each under the name the device looks for: mqtt_client.key " +
			"(an unencrypted private key), mqtt_client.crt or mqtt_ca.pem (certificates). The name is the file's own, or --as for one file. " +
			"ca.pem is refused: it is the device's own trust store (AWS and Azure roots).\n\n" +
			"Every file is checked (name, PEM kind, size) before anything is sent; one that fails stops them all. " +
			"Then they are sent in order, one line each; a failure stops the rest.",
		example: "sqc files load JDA54E19F mqtt_client.key mqtt_client.crt\nsqc files load JDA54E19F ~/certs/broker-ca.pem --as mqtt_ca.pem",
		uses:    withWrite,
		run: withOpts(func(fs *pflag.FlagSet, o *filesLoadOpts) {
			fs.StringVar(&o.as, "as", "", "the name the device keeps one file under")
			fs.BoolVarP(&o.yes, "yes", "y", false, yesHelp)
		}, runFilesLoad)},
	{path: "mqtt", about: "point a device at an MQTT broker"},
	{path: "mqtt set", args: "DEVICEID", about: "point a device's MQTT endpoint at a broker",
		argc: exactly(1, "mqtt set takes one device ID: sqc mqtt set DEVICEID --server HOST:PORT --client-id X [--ca internal|file]"),
		long: "Turn on a device's MQTT endpoint and point it at a broker: endpoint.mqtt.enable, server, client_id, " +
			"ssl_cert (mqtt_client.crt), ssl_key (mqtt_client.key) and ssl_ca_cert: ca.pem, the device's own trust store, " +
			"with --ca internal, or mqtt_ca.pem loaded by sqc files load with --ca file. " +
			"The change is diffed against the device's config and confirmed like config set.",
		example: "sqc mqtt set JDA54E19F --server mq.example.com:8883 --client-id pump-3\n" +
			"sqc mqtt set JDA54E19F --server 10.0.0.5:8883 --client-id p3 --ca file",
		uses: withWrite,
		run: withOpts(func(fs *pflag.FlagSet, o *mqttSetOpts) {
			fs.StringVar(&o.server, "server", "", "the broker, host:port")
			fs.StringVar(&o.clientID, "client-id", "", "the client id the broker expects")
			fs.StringVar(&o.ca, "ca", "internal", "trust ca.pem (internal) or mqtt_ca.pem (file)")
			fs.BoolVarP(&o.yes, "yes", "y", false, yesHelp)
		}, runMQTTSet)},
	{path: "sim", about: "serve a simulated Senquip Cloud on loopback",
		long:    "Serve a simulated Senquip Cloud on loopback and print its URL and key, so that curl, Postman and sqc can use it.",
		example: "sqc sim --listen 127.0.0.1:8088 --key demo-key",
		run: withOpts(func(fs *pflag.FlagSet, o *simOpts) {
			fs.StringVar(&o.listen, "listen", "127.0.0.1:8088", "loopback address to listen on")
			fs.IntVar(&o.devices, "devices", 40, "number of devices in the account (1-100000)")
			fs.Uint64Var(&o.seed, "seed", 1, "seed of the generated fleet")
			fs.StringVar(&o.key, "key", "", "the API key to accept (default: a random one, printed)")
			fs.Float64Var(&o.hosted, "hosted", 0.6, "fraction of devices on a Hosted plan (0-1)")
			fs.StringVar(&o.latency, "latency", "0s", "delay added to every answer, e.g. 300ms")
			fs.Float64Var(&o.failRate, "fail-rate", 0, "chance (0-1) of a 500 or 503 on any request")
		}, runSim)},
	{path: "serve", about: "serve the console over SSH to a team: one engine, one quota, one audit log",
		long:    serveLong,
		example: "sqc serve --profile acme --listen 0.0.0.0:2323 --authorized-keys /etc/sqc/authorized_keys\nssh -t -p 2323 jumphost",
		uses:    withAccount | withDemo | withASCII,
		run:     withOpts(serveFlags, runServe)},
	{path: "auth", about: "store, remove or check the API key of a profile"},
	{path: "auth login", about: "store the API key: from a hidden prompt, or stdin when piped",
		long: "Store the API key of a profile in the OS keyring. The key is read from a hidden prompt, or from stdin when it is a pipe, never from the command line, and checked with one call unless --no-verify.\n\n" +
			"Without a keyring (over SSH there is often no D-Bus session bus) it stops before asking and offers SENQUIP_API_KEY or --insecure-storage.\n\n" +
			"The profile is recorded in profiles.ini, so sqc profiles lists it; --api-url is kept there as its api_url, so its other commands use the server the key was checked against.",
		example: "sqc auth login --profile acme\npass show senquip/acme | sqc auth login --profile acme\nsqc auth login --profile lab --api-url http://127.0.0.1:8088",
		uses:    withAccount,
		run: withOpts(func(fs *pflag.FlagSet, o *authLoginOpts) {
			fs.BoolVar(&o.insecureStorage, "insecure-storage", false, "store the key in a plain file (0600), not the keyring")
			fs.BoolVar(&o.noVerify, "no-verify", false, "do not ask the server whether it takes the key")
		}, authLogin)},
	{path: "auth logout", about: "remove the key from every store that holds it", run: noOpts(authLogout), uses: withProfile | withDebug},
	{path: "auth status", about: "where the key comes from, its fingerprint, which URL is checked and whether the server takes it",
		uses: withAccount,
		run: withOpts(func(fs *pflag.FlagSet, o *authStatusOpts) {
			fs.BoolVar(&o.noVerify, "no-verify", false, "do not ask the server whether it takes the key")
		}, authStatus)},
	{path: "audit", about: "print the audit log: every write and its outcome", uses: withProfile | withDebug, run: withOpts(func(fs *pflag.FlagSet, o *auditOpts) {
		fs.StringVar(&o.device, "device", "", "only this device's writes")
		fs.DurationVar(&o.since, "since", 0, "only the writes of this last span, such as 24h")
		fs.BoolVar(&o.json, "json", false, jsonHelp)
	}, runAudit)},
	{path: "quota", about: "print today's use of the daily quota and each device's calls left", uses: withProfile | withDebug, run: withOpts(func(fs *pflag.FlagSet, o *quotaOpts) { fs.BoolVar(&o.json, "json", false, jsonHelp) }, runQuota)},
	{path: "profiles", about: "list profiles and where each key lives", run: noOpts(runProfiles), uses: withProfile | withDebug},
	{path: "routes", about: "show the route table and where each row is from", run: noOpts(runRoutes), uses: withProfile | withDebug},
	{path: "routes import", args: "FILE", about: "use the routes of Senquip's Postman collection", run: noOpts(importRoutes),
		argc:    exactly(1, "usage: sqc routes import FILE (the collection exported from Postman as v2.1)"),
		example: "sqc routes import ~/Downloads/Senquip.postman_collection.json --profile acme",
		uses:    withProfile | withDebug},
	{path: "routes reset", about: "go back to the built-in routes", run: noOpts(resetRoutes), uses: withProfile | withDebug},
}
