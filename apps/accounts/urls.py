from django.urls import path

from apps.accounts import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.LoginView.as_view(), name="login"),
    path("sign-out/", views.LogoutView.as_view(), name="logout"),
    path(
        "invitation/<uidb64>/<token>/",
        views.invitation_accept_view,
        name="invitation_accept",
    ),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password-reset/", views.password_reset_view, name="password_reset"),
    path("password-reset/sent/", views.password_reset_done_view, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("two-step/set-up/", views.otp_setup_view, name="otp_setup"),
    path(
        "two-step/set-up/<uidb64>/<token>/",
        views.otp_setup_link_view,
        name="otp_setup_link",
    ),
    path("two-step/code/", views.otp_verify_view, name="otp_verify"),
    path("two-step/recovery-code/", views.otp_recovery_view, name="otp_recovery"),
    path("two-step/recovery-codes/", views.otp_recovery_codes_view, name="otp_recovery_codes"),
    path("two-step/", views.otp_manage_view, name="otp_manage"),
    path("api-tokens/", views.api_tokens_view, name="api_tokens"),
    path(
        "api-tokens/<int:token_id>/revoke/",
        views.api_token_revoke_view,
        name="api_token_revoke",
    ),
    path("language/", views.language_view, name="language"),
]
