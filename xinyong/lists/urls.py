from django.urls import path

from xinyong.lists import views, views_entries, views_monitoring

app_name = "lists"

urlpatterns = [
    path("", views.check, name="check"),
    path("<int:pk>/", views.check_result, name="check_result"),
    path("<int:pk>/outcome/", views.check_outcome, name="check_outcome"),
    path("<int:pk>/dismiss/", views.check_dismiss, name="check_dismiss"),
    path("batch/", views.batch, name="batch"),
    path("watches/", views_monitoring.watches, name="watches"),
    path("watches/<int:pk>/stop/", views_monitoring.watch_stop, name="watch_stop"),
    path("alerts/<int:pk>/read/", views_monitoring.alert_read, name="alert_read"),
    path("figures/", views_monitoring.figures, name="figures"),
    path("batch/<slug:ref>/", views.batch_result, name="batch_result"),
    path("batch/<slug:ref>/results.xlsx", views.batch_xlsx, name="batch_xlsx"),
    path("entries/", views_entries.entries, name="entries"),
    path("entries/new/", views_entries.entry_new, name="entry_new"),
    path("entries/expire/", views_entries.entries_expire_view, name="entries_expire"),
    path("entries/<int:pk>/", views_entries.entry, name="entry"),
    path("entries/<int:pk>/publish/", views_entries.entry_publish_view, name="entry_publish"),
    path("entries/<int:pk>/exit/", views_entries.entry_exit_view, name="entry_exit"),
]
