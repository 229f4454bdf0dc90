"""Login with throttling; the other account pages are Django's own."""

from django.contrib.auth import views as auth_views
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse

from pledges import throttle
from pledges.forms import EmailLoginForm


class ThrottledLoginView(auth_views.LoginView):
    form_class = EmailLoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        account = request.POST.get("username", "")
        address = throttle.client_address(request)
        if throttle.is_throttled(account, address):
            # Refuse before checking the password, so guesses stop teaching anything.
            # Mark the form as cleaned without validating it: validation would
            # call authenticate() and hash the guess.
            form = self.get_form()
            form._errors, form.cleaned_data = ErrorDict(), {}
            form.add_error(None, form.error_messages["throttled"])
            return self.render_to_response(self.get_context_data(form=form), status=429)
        form = self.get_form()
        if form.is_valid():
            throttle.forget_failures(account, address)
            return self.form_valid(form)
        throttle.record_failure(account, address)
        return self.form_invalid(form)
