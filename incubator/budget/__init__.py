"""The HQ budget (指挥部经费): yearly budgets of the daily office and operations funds, expense requests."""
