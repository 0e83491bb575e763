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

    /// <summary>Why <paramref name="userName"/> is not a user name, or null when it is one.</summary>
    public static string? UserNameProblem(string? userName)
    {
        if (string.IsNullOrEmpty(userName))
        {
            return "The user name is required.";
        }

        if (userName.Length > UserName)
        {
            return $"A user name is at most {UserName} characters / 用户名最多{UserName}个字符";
        }

        return userName.All(c => char.IsLetterOrDigit(c) || c is '.' or '_' or '-')
            ? null
            : "A user name holds only letters, digits, '.', '_' and '-' / 用户名只能包含字母、数字、'.'、'_'、'-'";
    }

    /// <summary>The message for a text over <paramref name="limit"/> characters.</summary>
    public static string TooLong(int limit) => $"At most {limit} characters / 最多{limit}个字符";
}
