from django.contrib import admin
from django.urls import include, path

from xinyong.api import api

admin.site.site_header = "xinyong 公共信用信息平台 管理后台"
admin.site.site_title = "xinyong 管理后台"
admin.site.index_title = "基础数据管理"

# A page's refused query parameter (`xinyong.core.params.BadParameter`) gets a Chinese 400 page naming it.
handler400 = "xinyong.web.views_errors.bad_request"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("public/", include("xinyong.portal.urls")),
    path("check/", include("xinyong.lists.urls")),
    path("", include("xinyong.web.urls")),
]
