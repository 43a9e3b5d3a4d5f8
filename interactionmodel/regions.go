package interactionmodel

// regionCodes is every commercial AWS region (partition "aws") that the REGION slot
// type must resolve to. The skill package speaks each one as a place; its place names
// must agree with the values of the REGION type in the models (a test checks the
// codes here, the lead's cross-check the places).
var regionCodes = []string{
	"af-south-1",
	"ap-east-1", "ap-east-2",
	"ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-south-1", "ap-south-2",
	"ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
	"ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
	"ca-central-1", "ca-west-1",
	"eu-central-1", "eu-central-2",
	"eu-north-1",
	"eu-south-1", "eu-south-2",
	"eu-west-1", "eu-west-2", "eu-west-3",
	"il-central-1",
	"me-central-1", "me-south-1",
	"mx-central-1",
	"sa-east-1",
	"us-east-1", "us-east-2",
	"us-west-1", "us-west-2",
}

// RegionCodes returns every commercial AWS region code the REGION slot type covers,
// sorted. The returned slice is a copy.
func RegionCodes() []string {
	return append([]string(nil), regionCodes...)
}

// RegionPlace returns the spoken place name of a region code in a locale (the value
// name of the REGION slot type), or "" when the model has no such value.
func RegionPlace(locale, code string) string {
	f, err := Load(locale)
	if err != nil {
		return ""
	}
	t := f.InteractionModel.Type("REGION")
	if t == nil {
		return ""
	}
	for _, v := range t.Values {
		if v.ID == code {
			return v.Name.Value
		}
	}
	return ""
}
