package skill

import (
	"slices"
	"strings"
)

// regionPlaces names every commercial AWS region as a place, per language. These
// are the values of the REGION slot type in the interaction models (en-US and en-GB
// share the English names); a test compares them with the model files.
var regionPlaces = []struct{ code, en, de string }{
	{"af-south-1", "Cape Town", "Kapstadt"},
	{"ap-east-1", "Hong Kong", "Hongkong"},
	{"ap-east-2", "Taipei", "Taipeh"},
	{"ap-northeast-1", "Tokyo", "Tokio"},
	{"ap-northeast-2", "Seoul", "Seoul"},
	{"ap-northeast-3", "Osaka", "Osaka"},
	{"ap-south-1", "Mumbai", "Mumbai"},
	{"ap-south-2", "Hyderabad", "Hyderabad"},
	{"ap-southeast-1", "Singapore", "Singapur"},
	{"ap-southeast-2", "Sydney", "Sydney"},
	{"ap-southeast-3", "Jakarta", "Jakarta"},
	{"ap-southeast-4", "Melbourne", "Melbourne"},
	{"ap-southeast-5", "Malaysia", "Malaysia"},
	{"ap-southeast-6", "New Zealand", "Neuseeland"},
	{"ap-southeast-7", "Thailand", "Thailand"},
	{"ca-central-1", "Canada", "Kanada"},
	{"ca-west-1", "Calgary", "Calgary"},
	{"eu-central-1", "Frankfurt", "Frankfurt"},
	{"eu-central-2", "Zurich", "Zürich"},
	{"eu-north-1", "Stockholm", "Stockholm"},
	{"eu-south-1", "Milan", "Mailand"},
	{"eu-south-2", "Spain", "Spanien"},
	{"eu-west-1", "Ireland", "Irland"},
	{"eu-west-2", "London", "London"},
	{"eu-west-3", "Paris", "Paris"},
	{"il-central-1", "Tel Aviv", "Tel Aviv"},
	{"me-central-1", "UAE", "VAE"},
	{"me-south-1", "Bahrain", "Bahrain"},
	{"mx-central-1", "Mexico", "Mexiko"},
	{"sa-east-1", "São Paulo", "São Paulo"},
	{"us-east-1", "North Virginia", "Nord-Virginia"},
	{"us-east-2", "Ohio", "Ohio"},
	{"us-west-1", "North California", "Nordkalifornien"},
	{"us-west-2", "Oregon", "Oregon"},
}

// RegionCodes returns every commercial AWS region code the skill speaks as a place,
// sorted.
func RegionCodes() []string {
	out := make([]string, len(regionPlaces))
	for i, r := range regionPlaces {
		out[i] = r.code
	}
	slices.Sort(out)
	return out
}

// RegionPlace returns the place name the skill speaks for a region code in a locale
// ("en-GB", "eu-west-1" → "Ireland"; "de-DE" → "Irland"), or "" for a region it does
// not know. Locales other than German get the English names.
func RegionPlace(locale, code string) string {
	lang := language(locale)
	for _, r := range regionPlaces {
		if r.code == code {
			if lang == "de" {
				return r.de
			}
			return r.en
		}
	}
	return ""
}

// placeName is RegionPlace with a fallback for a region the table does not know yet:
// its code, spoken word by word ("eu west 9").
func placeName(lang, code string) string {
	if p := RegionPlace(lang, code); p != "" {
		return p
	}
	return strings.ReplaceAll(code, "-", " ")
}

// regionFromPlace finds the region code whose place name (in any language) or code
// matches what was said, ignoring case, accents written or not and punctuation.
func regionFromPlace(spoken string) (string, bool) {
	key := foldPlace(spoken)
	if key == "" {
		return "", false
	}
	for _, r := range regionPlaces {
		if key == foldPlace(r.en) || key == foldPlace(r.de) || key == foldPlace(r.code) {
			return r.code, true
		}
	}
	return "", false
}

// placeFolder writes the accented letters of place names without their accents.
var placeFolder = strings.NewReplacer("ã", "a", "ü", "u", "Ü", "u")

func foldPlace(s string) string {
	s = placeFolder.Replace(strings.ToLower(s))
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
