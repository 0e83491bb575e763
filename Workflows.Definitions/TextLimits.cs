namespace Workflows.Definitions;

/// <summary>
/// The text limits of docs/domain.md §Limits, defined once: the API, the pages (their <c>maxlength</c>), Identity's user
/// validation and the database columns all read them from here.
/// </summary>
public static class TextLimits
{
    /// <summary>A user name: at most this many letters, digits, <c>.</c>, <c>_</c> or <c>-</c>.</summary>
    public const int UserName = 64;

    /// <summary>A person's or a group's display name.</summary>
    public const int DisplayName = 100;

    /// <summary>Statements, reasons, descriptions and comments.</summary>
    public const int Text = 2000;

    /// <summary>Which user-name rule <paramref name="userName"/> breaks, or null when it is a user name.</summary>
    public static UserNameRule? UserNameProblem(string? userName)
    {
        if (string.IsNullOrEmpty(userName))
        {
            return UserNameRule.Required;
        }

        if (userName.Length > UserName)
        {
            return UserNameRule.TooLong;
        }

        return userName.All(c => char.IsLetterOrDigit(c) || c is '.' or '_' or '-') ? null : UserNameRule.BadCharacters;
    }
}

/// <summary>The user-name rules of docs/domain.md §Limits (the host says them in words, with <see cref="TextLimits.UserName"/>).</summary>
public enum UserNameRule
{
    Required,

    /// <summary>Longer than <see cref="TextLimits.UserName"/> characters.</summary>
    TooLong,

    /// <summary>Holds something other than letters, digits, <c>.</c>, <c>_</c> and <c>-</c>.</summary>
    BadCharacters,
}
