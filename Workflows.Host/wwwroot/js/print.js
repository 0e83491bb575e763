// The print button of the printable pages: a file, not inline script, because the CSP allows only 'self' scripts.
document.querySelectorAll('[data-print]').forEach(function (button) {
    button.hidden = false;
    button.addEventListener('click', function () { window.print(); });
});
