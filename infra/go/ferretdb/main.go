// Command ferretdb runs FerretDB (MongoDB wire protocol over PostgreSQL) for local development.
//
// The install step builds it against FerretDB patched with patches/ (see module.txt there);
// its version then reads "+openframe".
//
// It wraps the embeddable github.com/FerretDB/FerretDB/ferretdb package instead of building
// FerretDB's own cmd/ferretdb: `go install`/`go build` of that command from the module proxy
// panics at start because build/version/version.txt is generated in FerretDB's repository
// and absent from the published module. The embeddable package never reads that file.
//
// Embedded FerretDB keeps its process state in memory, has telemetry switched off for good
// and starts no debug HTTP listener, so none of those need flags here.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/FerretDB/FerretDB/build/version"
	"github.com/FerretDB/FerretDB/ferretdb"
)

const module = "github.com/FerretDB/FerretDB"

func main() {
	// Flag names match the real ferretdb binary, so either runs from the same command line.
	listenAddr := flag.String("listen-addr", "127.0.0.1:27017", "listen TCP address")
	handler := flag.String("handler", "sqlite", "backend handler: sqlite or postgresql")
	sqliteURL := flag.String("sqlite-url", "file:data/", "SQLite URI of the data directory (trailing slash)")
	postgresqlURL := flag.String("postgresql-url", "", "PostgreSQL URL for the postgresql handler")
	logLevel := flag.String("log-level", "info", "log level: debug, info, warn or error")
	showVersion := flag.Bool("version", false, "print the FerretDB version and exit")
	flag.Parse()

	// The embedded package reports "unknown"; the linked module version is the real answer.
	if v := moduleVersion(); v != "" {
		version.Get().Version = v
	}
	if *showVersion {
		fmt.Println(version.Get().Version)
		return
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fatal(fmt.Errorf("bad -log-level: %w", err))
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: *listenAddr},
		Logger:        logger,
		Handler:       *handler,
		SQLiteURL:     *sqliteURL,
		PostgreSQLURL: *postgresqlURL,
	})
	if err != nil {
		fatal(err)
	}

	// SIGTERM (our stop) cancels the context; Run then closes connections and the backend.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	// Printed whatever the log level, so every run leaves a line in the server log.
	fmt.Fprintf(os.Stderr, "ferretdb %s: serving %s (%s)\n", version.Get().Version, f.MongoDBURI(), *handler)
	if err := f.Run(ctx); err != nil {
		fatal(err)
	}
	fmt.Fprintln(os.Stderr, "ferretdb: stopped")
}

func moduleVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, dep := range info.Deps {
		if dep.Path == module {
			if dep.Replace != nil {
				return dep.Version + "+openframe" // built with our patches
			}

			return dep.Version
		}
	}
	return ""
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "ferretdb:", err)
	os.Exit(1)
}
