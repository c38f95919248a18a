from django.urls import path

from xinyong.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("subjects/<int:pk>/", views.subject, name="subject"),
    path("records/", views.records, name="records"),
    path("records/<int:pk>/", views.record, name="record"),
    path("lists/", views.lists, name="lists"),
]
