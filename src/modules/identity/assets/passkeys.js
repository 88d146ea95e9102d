// Passkeys, as progressive enhancement: a form marked data-passkey stays hidden until WebAuthn
// is there; then submitting it runs the ceremony, puts the browser's answer in the hidden
// "credential" field and posts the form as usual. Without JavaScript the emailed code is the way in.
const webauthn = window.SimpleWebAuthnBrowser;

if (webauthn?.browserSupportsWebAuthn()) {
  for (const fallback of document.querySelectorAll('[data-passkey-fallback]')) fallback.hidden = true;
  for (const form of document.querySelectorAll('form[data-passkey]')) {
    form.hidden = false;
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const optionsJSON = JSON.parse(form.dataset.options);
      const field = form.querySelector('input[name="credential"]');
      try {
        const answer =
          form.dataset.passkey === 'register'
            ? await webauthn.startRegistration({ optionsJSON })
            : await webauthn.startAuthentication({ optionsJSON });
        field.value = JSON.stringify(answer);
      } catch {
        // Cancelled or refused: the page that follows says so and offers the other ways.
        field.value = '';
      }
      form.submit();
    });
  }
}
