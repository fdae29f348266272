package cli

// What the flags fill: the shared flags of every command in one value,
// which the environment reads, and each command's own flags in a value
// of its own, which only that command is given (see withOpts).

// sharedOpts are the values of the shared flags (see addShared).
type sharedOpts struct {
	apiURL, profile string
	debug, demo     bool
	readOnly        bool
	ascii           bool
}

// consoleOpts are the console's own flags.
type consoleOpts struct {
	device string // open straight on this device
	notify bool   // ring the bell and notify the desktop when a device enters alarm
}

type devicesOpts struct{ json, csv bool }

type dataOpts struct {
	json  bool
	limit int
}

type configGetOpts struct{ json bool }

type configSetOpts struct {
	yes    bool // send without asking
	dryRun bool // show what would be sent, send nothing
	resume bool // send the rest of a change that stopped
}

type deviceAddOpts struct {
	group, groupID string
	passwordStdin  bool
	from           string // a CSV file of devices
	yes            bool
}

type filesLoadOpts struct {
	as  string // the name one file is kept under
	yes bool
}

type mqttSetOpts struct {
	server, clientID, ca string
	yes                  bool
}

type simOpts struct {
	listen   string
	devices  int
	seed     uint64
	key      string
	hosted   float64
	latency  string
	failRate float64
}

type authLoginOpts struct{ insecureStorage, noVerify bool }

type authStatusOpts struct{ noVerify bool }
