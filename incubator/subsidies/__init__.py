"""Support types, versioned subsidy policies, batches, applications and clawbacks."""
