CREATE CONSTRAINT server_group_uuid IF NOT EXISTS
FOR (g:ServerGroup) REQUIRE g.uuid IS UNIQUE
