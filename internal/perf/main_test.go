package perf

import (
	"testing"

	"github.com/easytocloud/easytocloud/internal/awstest"
)

func TestMain(m *testing.M) { awstest.Main(m) }
