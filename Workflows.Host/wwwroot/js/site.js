// Small helpers for every page. A file, not inline script: the CSP allows only 'self' scripts. Every page works
// without it (the menu is then always open, long text unclamped, destructive forms then ask on a page of their own).
(function () {
    'use strict';
    var root = document.documentElement;
    root.classList.add('js');

    // The header's menu: on a narrow screen the links fold behind one button.
    var header = document.querySelector('header.top');
    var toggle = document.getElementById('menu-toggle');
    if (header && toggle) {
        toggle.hidden = false;
        header.classList.add('has-menu');
        toggle.addEventListener('click', function () {
            var open = header.classList.toggle('menu-open');
            toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
        });
    }

    // Destructive or irreversible forms ask first: data-confirm holds the question; with data-confirm-if only
    // when the chosen decision is one of those listed (e.g. "withdraw" on the amend card).
    document.addEventListener('submit', function (event) {
        var form = event.target;
        if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) {
            return;
        }

        if (form.dataset.confirmIf) {
            var chosen = form.querySelector('input[name=decision]:checked');
            var values = form.dataset.confirmIf.split(' ');
            if (!chosen || values.indexOf(chosen.value) < 0) {
                return;
            }
        }

        if (!window.confirm(form.dataset.confirm)) {
            event.preventDefault();
            event.stopImmediatePropagation();
            return;
        }

        // Answered here: the server's own confirmation step (for browsers without this script) is skipped.
        var confirmed = form.querySelector('input[name=confirmed]');
        if (!confirmed) {
            confirmed = document.createElement('input');
            confirmed.type = 'hidden';
            confirmed.name = 'confirmed';
            form.appendChild(confirmed);
        }

        confirmed.value = '1';
    }, true);

    // Long text (comments, reasons) is clamped to a few lines with a button to show it all.
    var more = document.body.dataset.showMore || 'Show more';
    var less = document.body.dataset.showLess || 'Show less';
    document.querySelectorAll('.clamp').forEach(function (text) {
        if (text.scrollHeight <= text.clientHeight + 2) {
            return;
        }

        var button = document.createElement('button');
        button.type = 'button';
        button.className = 'link clamp-toggle';
        button.textContent = more;
        button.setAttribute('aria-expanded', 'false');
        button.addEventListener('click', function () {
            var open = text.classList.toggle('clamp-open');
            button.textContent = open ? less : more;
            button.setAttribute('aria-expanded', open ? 'true' : 'false');
        });
        text.insertAdjacentElement('afterend', button);
    });

    // Searchable selects: an <input data-filter-for="id"> hides the options of that select that do not match.
    document.querySelectorAll('input[data-filter-for]').forEach(function (input) {
        var select = document.getElementById(input.dataset.filterFor);
        if (!select) {
            return;
        }

        input.hidden = false;
        input.addEventListener('input', function () {
            var term = input.value.trim().toLowerCase();
            select.querySelectorAll('option').forEach(function (option) {
                if (!option.value) {
                    return;
                }

                var match = term === '' || option.textContent.toLowerCase().indexOf(term) >= 0 || option.selected;
                option.hidden = !match;
                option.disabled = !match && !option.selected;
            });
        });
    });
}());

// A choice that changes what the rest of the form offers (the promotion's candidate and rank) refreshes it at once,
// through the same button a person without script presses.
document.querySelectorAll('select[data-refresh]').forEach(function (select) {
    select.addEventListener('change', function () {
        var button = document.getElementById(select.dataset.refresh);
        if (button) {
            button.click();
        }
    });
});
