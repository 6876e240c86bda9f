"""Admission review (入驻准入评估): from application to signed lease."""
