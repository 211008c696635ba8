-- Listening stores each mention once and each topic match once, and adds
-- to one roll-up row per topic and hour: every index on these tables is
-- one more B-tree insert per row on the hottest write path.
--
-- No query looks mentions up by cluster id (cluster roots are read by
-- workspace and time, with cluster_id IS NULL as a filter).
DROP INDEX mentions_cluster;

-- Roll-ups are read by topic and hour (all topics of a workspace through
-- the topics table), which the primary key serves.
DROP INDEX topic_rollups_workspace;
