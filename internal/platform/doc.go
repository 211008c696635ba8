// Package platform is step 2 of the loop, "know the platforms": a versioned
// catalog of the social platforms Chorus knows (audience, formats, peak hours,
// typical engagement, what each is good for, what its API allows), the
// workspace's own corrections to it, and a fit score that ranks the platforms
// for a persona and an objective.
//
// The catalog is embedded data (catalog.json, see Load): every figure names
// its source and year, and figures with no public source are marked as
// estimates with the reason. A workspace corrects any value with a JSON merge
// patch (Apply, Service.SetOverride) that is validated like the file itself.
// The package holds rules only: overrides are kept by a Store, and nothing
// here speaks HTTP or SQL.
package platform
