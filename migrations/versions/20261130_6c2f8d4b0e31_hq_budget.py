"""hq budget: budget pools, yearly budgets per category, expense requests

Ships budget policy version 1 (the plan's 经费审批 tiers: < ¥100,000 work-group lead; ¥100,000 to
< ¥300,000 deputy commander after the work-group meeting; ≥ ¥300,000 commander after the
coordination meeting) and the spending categories of the daily office fund (the plan's 日常办公、
宣传推广、人员费、差旅费、项目评审) and of the operations fund. Snapshots as of this migration.

Revision ID: 6c2f8d4b0e31
Revises: 5b1e7c3a9d20
Create Date: 2026-11-30 01:10:00

"""
from typing import Sequence, Union

import datetime as dt

from alembic import op
import sqlalchemy as sa


revision: str = "6c2f8d4b0e31"
down_revision: Union[str, None] = "5b1e7c3a9d20"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

DEFAULT_POLICY = {
    "approval_tiers": [{"below": "100000", "role": "lead"}, {"below": "300000", "role": "deputy"},
                       {"below": None, "role": "commander"}],
    "reference_budgets": {"office": "2000000.00", "operations": None},
}
CATEGORIES = [
    # (pool, code, name, name_en)
    ("office", "office", "办公费", "Office expenses"),
    ("office", "publicity", "宣传推广费", "Publicity and promotion"),
    ("office", "staff", "人员费", "Staff costs"),
    ("office", "travel", "差旅费", "Travel"),
    ("office", "project_review", "项目评审费", "Project review"),
    ("operations", "maintenance", "设施设备维护", "Facility maintenance"),
    ("operations", "property_services", "保洁安保服务", "Cleaning and security"),
    ("operations", "utilities", "公共区域水电能耗", "Common-area utilities"),
    ("operations", "events", "双创活动组织", "Innovation events"),
]
ENUM = dict(native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table('budget_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_budget_policies_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_policies')),
    sa.UniqueConstraint('version', name=op.f('uq_budget_policies_version'))
    )
    op.create_table('budget_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pool', sa.Enum('office', 'operations', name='poolkind', **ENUM), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_categories')),
    sa.UniqueConstraint('pool', 'code', name=op.f('uq_budget_categories_pool'))
    )
    op.create_table('budget_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('budget', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('committed', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('spent', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('ROUND(committed + spent, 2) <= budget', name=op.f('ck_budget_lines_never_overdrawn')),
    sa.CheckConstraint('budget >= 0 AND committed >= 0 AND spent >= 0', name=op.f('ck_budget_lines_non_negative')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_budget_lines_year')),
    sa.ForeignKeyConstraint(['category_id'], ['budget_categories.id'], name=op.f('fk_budget_lines_category_id_budget_categories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_lines')),
    sa.UniqueConstraint('year', 'category_id', name=op.f('uq_budget_lines_year'))
    )
    with op.batch_alter_table('budget_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_lines_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_budget_lines_year'), ['year'], unique=False)

    op.create_table('expense_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('payee', sa.String(length=200), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('tier', sa.String(length=20), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'submitted', 'returned', 'approved', 'paid', 'rejected', 'withdrawn', name='requeststate', **ENUM), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('payment_reference', sa.String(length=100), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state != 'paid' OR (paid_on IS NOT NULL AND payment_reference IS NOT NULL)", name=op.f('ck_expense_requests_paid')),
    sa.CheckConstraint("tier IN ('lead', 'deputy', 'commander')", name=op.f('ck_expense_requests_tier')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_expense_requests_positive')),
    sa.ForeignKeyConstraint(['category_id'], ['budget_categories.id'], name=op.f('fk_expense_requests_category_id_budget_categories')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_expense_requests_decided_by_id_users')),
    sa.ForeignKeyConstraint(['policy_id'], ['budget_policies.id'], name=op.f('fk_expense_requests_policy_id_budget_policies')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_expense_requests_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expense_requests')),
    sa.UniqueConstraint('number', name=op.f('uq_expense_requests_number'))
    )
    with op.batch_alter_table('expense_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expense_requests_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_expense_requests_requested_by_id'), ['requested_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_expense_requests_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_expense_requests_tier'), ['tier'], unique=False)
        batch_op.create_index(batch_op.f('ix_expense_requests_year'), ['year'], unique=False)

    policies = sa.table("budget_policies", sa.column("version", sa.Integer), sa.column("effective_from", sa.Date),
                        sa.column("config", sa.JSON), sa.column("note", sa.Text),
                        sa.column("created_at", sa.DateTime(timezone=True)))
    op.bulk_insert(policies, [{"version": 1, "effective_from": dt.date(2023, 1, 1), "config": DEFAULT_POLICY,
                               "note": "指挥部经费审批：10万元以下由现场工作组分管领导审批；10万元（含）至30万元由指挥部工作组例会"
                                       "审议后报现场副指挥长审批；30万元（含）以上由指挥部工作协调会审议后报指挥长审批。",
                               "created_at": dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)}])
    categories = sa.table("budget_categories", sa.column("pool", sa.String), sa.column("code", sa.String),
                          sa.column("name", sa.String), sa.column("name_en", sa.String),
                          sa.column("position", sa.Integer), sa.column("active", sa.Boolean))
    op.bulk_insert(categories, [{"pool": pool, "code": code, "name": name, "name_en": name_en, "position": i,
                                 "active": True} for i, (pool, code, name, name_en) in enumerate(CATEGORIES, 1)])


def downgrade() -> None:
    with op.batch_alter_table('expense_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expense_requests_year'))
        batch_op.drop_index(batch_op.f('ix_expense_requests_tier'))
        batch_op.drop_index(batch_op.f('ix_expense_requests_state'))
        batch_op.drop_index(batch_op.f('ix_expense_requests_requested_by_id'))
        batch_op.drop_index(batch_op.f('ix_expense_requests_category_id'))

    op.drop_table('expense_requests')
    with op.batch_alter_table('budget_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_lines_year'))
        batch_op.drop_index(batch_op.f('ix_budget_lines_category_id'))

    op.drop_table('budget_lines')
    op.drop_table('budget_categories')
    op.drop_table('budget_policies')
