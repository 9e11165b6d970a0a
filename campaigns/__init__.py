"""Reading-month campaigns: enrolment, subsidy ledger, sales, and the creators programme."""
