"""Apply: a batch's plan in one managed Neo4j transaction (``writer``), and the pipeline that
decodes, applies and sets aside what cannot be applied (``pipeline``)."""
