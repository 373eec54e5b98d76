"""`brightkitchen simulate`: a district of edge servers driving a platform over its real HTTP API."""
