-- Refused requests per UTC hour (unix seconds of its start), action and
-- reason, kept like token_counts (issue 15): the console's refusals by
-- reason read a few rows per hour instead of every audit event of the
-- range. Counted from this version on; older refusals stay in the log.
CREATE TABLE refusal_counts (
	tenant {{id}} NOT NULL,
	hour   {{int}} NOT NULL,
	action TEXT NOT NULL,
	reason TEXT NOT NULL,
	n      {{int}} NOT NULL,
	PRIMARY KEY (tenant, hour, action, reason)
);
