from django.urls import path

from xinyong.web import (
    views,
    views_files,
    views_intake,
    views_lookups,
    views_quality,
    views_records,
    views_review,
)

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("org/", views.org, name="org"),
    path("catalog/", views.catalog, name="catalog"),
    path("catalog/<int:pk>/", views.category, name="category"),
    path("catalog/<int:pk>/template.xlsx", views_files.category_template, name="category_template"),
    path("batches/", views.batches, name="batches"),
    path("batches/<int:pk>/", views.batch, name="batch"),
    path("batches/<int:batch_pk>/rows/<int:row_pk>/", views_intake.row_correct, name="row_correct"),
    path("batches/<int:batch_pk>/rows/<int:row_pk>/discard/", views_intake.row_discard, name="row_discard"),
    path("batches/<int:pk>/approve/", views_review.batch_approve, name="batch_approve"),
    path("batches/<int:pk>/return/", views_review.batch_return, name="batch_return"),
    path("review/", views_review.queue, name="review_queue"),
    path("intake/upload/", views_intake.upload, name="intake_upload"),
    path("intake/jobs/<int:pk>/", views_intake.job, name="intake_job"),
    path("batches/<int:pk>/rejected.xlsx", views_files.batch_rejected, name="batch_rejected"),
    path("batches/<int:pk>/records/", views_records.batch_records, name="batch_records"),
    path("records/<int:pk>/", views_records.record, name="record"),
    path("records/<int:pk>/revoke/", views_records.record_revoke, name="record_revoke"),
    path("records/<int:pk>/transfer/", views_records.record_transfer, name="record_transfer"),
    path("subjects/", views.subjects, name="subjects"),
    path("subjects/<int:pk>/", views.subject, name="subject"),
    path("quality/", views_quality.quality, name="quality"),
    path("calendar/", views.calendar, name="calendar"),
    path("audit/", views.audit, name="audit"),
    path("audit/lookups/", views_lookups.register, name="lookup_register"),
    path("audit/lookups/<int:pk>/review/", views_lookups.review, name="lookup_review"),
]
