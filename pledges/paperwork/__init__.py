"""A shipment's documents: gift letter, act of acceptance-transfer, CMR data, dangerous goods, labels."""
