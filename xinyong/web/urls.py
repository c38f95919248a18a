from django.urls import path

from xinyong.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("org/", views.org, name="org"),
    path("catalog/", views.catalog, name="catalog"),
    path("catalog/<int:pk>/", views.category, name="category"),
    path("batches/", views.batches, name="batches"),
    path("batches/<int:pk>/", views.batch, name="batch"),
    path("subjects/", views.subjects, name="subjects"),
    path("subjects/<int:pk>/", views.subject, name="subject"),
    path("calendar/", views.calendar, name="calendar"),
    path("audit/", views.audit, name="audit"),
]
