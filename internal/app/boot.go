package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// Boot is what every Lambda's main does first, once: JSON log lines on stdout as the
// default logger, fn's configuration read from the environment, and the SDK's
// standard AWS configuration. It is the one place that exits: with status 2 and
// the name of the variable when one of fn.Env is unset, with 1 when the AWS
// configuration cannot be loaded. Constructors never do any of this.
func Boot(fn Function) (Config, aws.Config, *slog.Logger) {
	logger := NewLogger(os.Stdout)
	slog.SetDefault(logger)
	c, err := FromEnv(os.Getenv, fn.Env...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", fn.Name, err)
		os.Exit(2)
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: load AWS config: %v\n", fn.Name, err)
		os.Exit(1)
	}
	return c, cfg, logger
}

// NewLogger returns the functions' logger: JSON lines on w, which Lambda ships to
// CloudWatch Logs, where the stack's metric filters match their fields.
func NewLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewJSONHandler(w, nil)) }
