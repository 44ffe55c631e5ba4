"""Transport: how notifications arrive (oslo.messaging's listener, captured files, Nova's
samples) and the ``Envelope`` each becomes before it is decoded."""
