"""WTForms classes, by area: `accounts`, `reference`, `files`, `decisions`. Views turn a
validated form into plain input before calling a service; the rules a value must meet live in
`scorecard.domain.rules` (decisions) and `scorecard.passwords` (passwords)."""
