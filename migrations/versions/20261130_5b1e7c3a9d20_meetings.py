"""meetings: meeting types, meetings, agenda items, resolutions, attendance and minutes

Ships the meeting types of the plan (四、工作保障) as rows: the three work groups' regular meetings
(工作例会), the monthly coordination meeting (工作协调会) and the joint admission review. Their
`config` says who chairs, who is invited, which matters each may take up and which spending tiers
must wait for its agreed resolution (incubator/meetings/rules.py). It is a snapshot as of this
migration, so later changes elsewhere do not change history.

Revision ID: 5b1e7c3a9d20
Revises: 4695262d692e
Create Date: 2026-11-30 01:10:00

"""
from typing import Sequence, Union

import datetime as dt

from alembic import op
import sqlalchemy as sa


revision: str = "5b1e7c3a9d20"
down_revision: Union[str, None] = "4695262d692e"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# 综合统筹组: policy execution and reward payouts (奖励兑现), joint admission review with the bureau;
# 资源导入组: technology resources; 招商运营组: investment promotion and the carriers' operation.
DEFAULT_TYPES = [
    {"code": "work_group_integrated", "category": "work_group", "position": 10,
     "name": "综合统筹组工作例会", "name_en": "Integrated coordination group meeting",
     "config": {"work_group": "综合统筹组", "chair_roles": ["lead"], "attendee_roles": ["lead", "operator"],
                "cadence": "regular",
                "deliberates": [{"kind": "subsidy_claim", "tiers": ["deputy"], "gate": True},
                                {"kind": "expense_request", "tiers": ["deputy"], "gate": True},
                                {"kind": "appeal", "tiers": None}]}},
    {"code": "work_group_resources", "category": "work_group", "position": 20,
     "name": "资源导入组工作例会", "name_en": "Resource introduction group meeting",
     "config": {"work_group": "资源导入组", "chair_roles": ["lead"], "attendee_roles": ["lead", "operator"],
                "cadence": "regular", "deliberates": []}},
    {"code": "work_group_operations", "category": "work_group", "position": 30,
     "name": "招商运营组工作例会", "name_en": "Investment and operations group meeting",
     "config": {"work_group": "招商运营组", "chair_roles": ["lead"], "attendee_roles": ["lead", "operator"],
                "cadence": "regular", "deliberates": []}},
    {"code": "coordination", "category": "coordination", "position": 40,
     "name": "现场指挥部工作协调会", "name_en": "Field headquarters coordination meeting",
     "config": {"work_group": None, "chair_roles": ["commander", "deputy"],
                "attendee_roles": ["commander", "deputy", "lead", "operator"], "cadence": "monthly",
                "deliberates": [{"kind": "subsidy_claim", "tiers": ["commander"], "gate": True},
                                {"kind": "expense_request", "tiers": ["commander"], "gate": True},
                                {"kind": "exit_case", "tiers": None},
                                {"kind": "clawback", "tiers": None}]}},
    {"code": "joint_review", "category": "joint_review", "position": 50,
     "name": "入驻项目联合评审会", "name_en": "Joint admission review meeting",
     "config": {"work_group": "综合统筹组", "chair_roles": ["lead", "deputy"],
                "attendee_roles": ["lead", "deputy", "operator"], "cadence": "as_needed",
                "deliberates": [{"kind": "application", "tiers": None}]}},
]


def upgrade() -> None:
    op.create_table('meeting_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('category', sa.Enum('work_group', 'coordination', 'joint_review', name='meetingcategory', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_meeting_types_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_types')),
    sa.UniqueConstraint('code', 'version', name=op.f('uq_meeting_types_code'))
    )
    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('type_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('state', sa.Enum('scheduled', 'held', 'minutes_issued', 'cancelled', name='meetingstate', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('chair_id', sa.Integer(), nullable=False),
    sa.Column('secretary_id', sa.Integer(), nullable=True),
    sa.Column('held_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('minutes', sa.Text(), nullable=True),
    sa.Column('signed_off_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('minutes_document_id', sa.Integer(), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['chair_id'], ['users.id'], name=op.f('fk_meetings_chair_id_users')),
    sa.ForeignKeyConstraint(['minutes_document_id'], ['issued_documents.id'], name=op.f('fk_meetings_minutes_document_id_issued_documents')),
    sa.ForeignKeyConstraint(['secretary_id'], ['users.id'], name=op.f('fk_meetings_secretary_id_users')),
    sa.ForeignKeyConstraint(['type_id'], ['meeting_types.id'], name=op.f('fk_meetings_type_id_meeting_types')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings')),
    sa.UniqueConstraint('number', name=op.f('uq_meetings_number'))
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meetings_chair_id'), ['chair_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_state'), ['state'], unique=False)
        batch_op.create_index('ix_meetings_type_starts', ['type_id', 'starts_at'], unique=False)

    op.create_table('meeting_attendees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=True),
    sa.Column('present', sa.Boolean(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_attendees_meeting_id_meetings')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_meeting_attendees_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_attendees')),
    sa.UniqueConstraint('meeting_id', 'user_id', name=op.f('uq_meeting_attendees_meeting_id'))
    )
    with op.batch_alter_table('meeting_attendees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_attendees_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('tier', sa.String(length=20), nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('endpoint', sa.String(length=80), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('state', sa.Enum('open', 'resolved', 'withdrawn', name='itemstate', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_reason', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('amount IS NULL OR amount >= 0', name=op.f('ck_meeting_items_amount')),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_meeting_items_added_by_id_users')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_meeting_items_company_id_companies')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_items_meeting_id_meetings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_items'))
    )
    with op.batch_alter_table('meeting_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_items_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_items_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index('ix_meeting_items_object', ['kind', 'object_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_items_state'), ['state'], unique=False)
        # one open agenda place per matter, also when two secretaries add it at once
        batch_op.create_index('uq_meeting_items_open_object', ['kind', 'object_id'], unique=True, sqlite_where=sa.text("state = 'open'"), postgresql_where=sa.text("state = 'open'"))

    op.create_table('meeting_resolutions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('agreed', 'not_agreed', 'deferred', name='outcome', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('conditions', sa.Text(), nullable=True),
    sa.Column('votes_for', sa.Integer(), nullable=True),
    sa.Column('votes_against', sa.Integer(), nullable=True),
    sa.Column('votes_abstain', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(votes_for IS NULL OR votes_for >= 0) AND (votes_against IS NULL OR votes_against >= 0) AND (votes_abstain IS NULL OR votes_abstain >= 0)', name=op.f('ck_meeting_resolutions_votes')),
    sa.ForeignKeyConstraint(['item_id'], ['meeting_items.id'], name=op.f('fk_meeting_resolutions_item_id_meeting_items')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_resolutions_meeting_id_meetings')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_meeting_resolutions_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_resolutions')),
    sa.UniqueConstraint('item_id', name=op.f('uq_meeting_resolutions_item_id'))
    )
    with op.batch_alter_table('meeting_resolutions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_resolutions_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index('ix_meeting_resolutions_object', ['kind', 'object_id'], unique=False)

    types = sa.table("meeting_types", sa.column("code", sa.String), sa.column("version", sa.Integer),
                     sa.column("active", sa.Boolean), sa.column("category", sa.String), sa.column("name", sa.String),
                     sa.column("name_en", sa.String), sa.column("config", sa.JSON), sa.column("position", sa.Integer),
                     sa.column("created_at", sa.DateTime(timezone=True)))
    shipped = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    op.bulk_insert(types, [{**t, "version": 1, "active": True, "created_at": shipped} for t in DEFAULT_TYPES])


def downgrade() -> None:
    with op.batch_alter_table('meeting_resolutions', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_resolutions_object')
        batch_op.drop_index(batch_op.f('ix_meeting_resolutions_meeting_id'))

    op.drop_table('meeting_resolutions')
    with op.batch_alter_table('meeting_items', schema=None) as batch_op:
        batch_op.drop_index('uq_meeting_items_open_object', sqlite_where=sa.text("state = 'open'"), postgresql_where=sa.text("state = 'open'"))
        batch_op.drop_index(batch_op.f('ix_meeting_items_state'))
        batch_op.drop_index('ix_meeting_items_object')
        batch_op.drop_index(batch_op.f('ix_meeting_items_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_items_company_id'))

    op.drop_table('meeting_items')
    with op.batch_alter_table('meeting_attendees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_attendees_meeting_id'))

    op.drop_table('meeting_attendees')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index('ix_meetings_type_starts')
        batch_op.drop_index(batch_op.f('ix_meetings_state'))
        batch_op.drop_index(batch_op.f('ix_meetings_starts_at'))
        batch_op.drop_index(batch_op.f('ix_meetings_chair_id'))

    op.drop_table('meetings')
    op.drop_table('meeting_types')
