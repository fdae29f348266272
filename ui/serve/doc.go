// Package serve is `sqc serve`: an SSH server on which each session is a
// full console joined to the one engine of the served profile, so that a
// team looking at the same fleet costs one set of reads, one quota and one
// audit log, and the API key never leaves the server.
//
//	ssh client ─▶ auth (authorized_keys: role, name) ─▶ limits (cap, per key)
//	           ─▶ activeterm ─▶ Bubble Tea program of ui.New{Engine, ReadOnly, Who}
//	                                    │ view of
//	                                    ▼
//	                             live.Engine (one per server)
//
// A session holds nothing the engine needs: its view is closed when its
// program ends, whether by Q, the idle timeout or a dropped connection.
package serve
