"""Support funds (专项政策经费): programmes, pools and their ledger."""
