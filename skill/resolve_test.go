package skill

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/account"
)

func TestNameKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"web-1", "web1"}, {"Web 1", "web1"}, {"web one", "web1"}, {"WEB_ONE", "web1"},
		{"web twenty one", "web21"}, {"web-21", "web21"}, {"web two one", "web21"},
		{"Splunk Prod", "splunkprod"}, {"splunk.prod", "splunkprod"},
		{"db eins", "db1"}, {"R&D <test>", "rdtest"}, {"", ""},
	}
	for _, tt := range tests {
		if got := nameKey(tt.in); got != tt.want {
			t.Errorf("nameKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestResolveName(t *testing.T) {
	all := []account.Instance{
		{ID: "i-01", Region: "eu-west-1", Name: "splunk-prod", State: "running", Controllable: true},
		{ID: "i-02", Region: "eu-central-1", Name: "splunk test", State: "stopped", Controllable: true},
		{ID: "i-03", Region: "us-east-1", Name: "web-1", State: "running", Controllable: true},
		{ID: "i-04", Region: "us-east-1", Name: "web-2", State: "running", Controllable: true},
		{ID: "i-05", Region: "eu-west-1", Name: "jenkins", State: "running", Controllable: true},
		{ID: "i-06", Region: "eu-west-1", Name: "R&D <test>", State: "stopped", Controllable: true},
		{ID: "i-07", Region: "eu-west-1", Name: "database", State: "running", Controllable: false},
		{ID: "i-08", Region: "eu-west-1", Name: "cache", State: "running", Controllable: true},
		{ID: "i-09", Region: "eu-central-1", Name: "cache", State: "stopped", Controllable: true},
		{ID: "i-10", Region: "eu-west-1", Name: "old", State: "terminated", Controllable: true},
	}
	tests := []struct {
		name, spoken string
		match        string   // ID of the one match
		options      []string // IDs when ambiguous, in the order they are offered
		controllable bool
	}{
		{name: "Exact", spoken: "jenkins", match: "i-05", controllable: true},
		{name: "Case", spoken: "JENKINS", match: "i-05", controllable: true},
		{name: "Spacing", spoken: "web 1", match: "i-03", controllable: true},
		{name: "Punctuation", spoken: "splunk prod", match: "i-01", controllable: true},
		{name: "NumberWords", spoken: "web one", match: "i-03", controllable: true},
		{name: "NumberWordsTwo", spoken: "web two", match: "i-04", controllable: true},
		{name: "CloseMatch", spoken: "jenkin", match: "i-05", controllable: true},
		{name: "CloseMatchMisheard", spoken: "jenkens", match: "i-05", controllable: true},
		{name: "FillerWords", spoken: "the jenkins server", match: "i-05", controllable: true},
		{name: "SpecialCharactersSpoken", spoken: "r and d test", match: "i-06", controllable: true},
		{name: "SpecialCharactersWritten", spoken: "R&D test", match: "i-06", controllable: true},
		{name: "AmbiguousPrefix", spoken: "splunk", options: []string{"i-02", "i-01"}},
		{name: "AmbiguousSameName", spoken: "cache", options: []string{"i-09", "i-08"}},
		{name: "AmbiguousNumber", spoken: "web", options: []string{"i-03", "i-04"}},
		{name: "PlaceDisambiguates", spoken: "cache in Frankfurt", match: "i-09", controllable: true},
		{name: "PlaceDisambiguatesPrefix", spoken: "splunk in Ireland", match: "i-01", controllable: true},
		{name: "NotFound", spoken: "oracle"},
		{name: "TerminatedIsGone", spoken: "old"},
		{name: "NotControllable", spoken: "database", match: "i-07", controllable: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := resolveName(tt.spoken, all)
			gotMatch := ""
			if r.match != nil {
				gotMatch = r.match.ID
				if r.match.Controllable != tt.controllable {
					t.Errorf("controllable = %v, want %v", r.match.Controllable, tt.controllable)
				}
			}
			var gotOptions []string
			for _, o := range r.options {
				gotOptions = append(gotOptions, o.ID)
			}
			if gotMatch != tt.match {
				t.Errorf("match = %q, want %q (options %v)", gotMatch, tt.match, gotOptions)
			}
			if diff := cmp.Diff(tt.options, gotOptions); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}
