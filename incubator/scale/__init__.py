"""District-scale data for the load benchmark (`flask seed-scale`, bench/).

Not an area: it has no pages. It fills the tables of every area present with
bulk inserts, deterministically (a seeded random generator)."""
