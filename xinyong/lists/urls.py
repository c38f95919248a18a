from django.urls import path

from xinyong.lists import views

app_name = "lists"

urlpatterns = [
    path("", views.check, name="check"),
    path("<int:pk>/", views.check_result, name="check_result"),
    path("<int:pk>/outcome/", views.check_outcome, name="check_outcome"),
    path("<int:pk>/dismiss/", views.check_dismiss, name="check_dismiss"),
    path("batch/", views.batch, name="batch"),
    path("batch/<slug:ref>/", views.batch_result, name="batch_result"),
    path("batch/<slug:ref>/results.xlsx", views.batch_xlsx, name="batch_xlsx"),
]
