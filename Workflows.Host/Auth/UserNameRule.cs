using Microsoft.AspNetCore.Identity;
using Workflows.Definitions;
using Workflows.Host.Organization;

namespace Workflows.Host.Auth;

/// <summary>
/// Every account Identity creates or renames keeps docs/domain.md §Limits's user names (<see cref="TextLimits.UserNameProblem"/>)
/// and display names: the API, the seed and the host's <c>create-hr</c> verb all go through here.
/// </summary>
public sealed class UserNameRule : IUserValidator<Employee>
{
    public Task<IdentityResult> ValidateAsync(UserManager<Employee> manager, Employee user)
    {
        var errors = new List<IdentityError>();
        if (TextLimits.UserNameProblem(user.UserName) is { } problem)
        {
            errors.Add(new IdentityError { Code = "InvalidUserName", Description = Platform.Glossary.UserName(problem) });
        }

        if (user.Name is { Length: > TextLimits.DisplayName })
        {
            errors.Add(new IdentityError { Code = "InvalidName", Description = Platform.Glossary.TooLong(TextLimits.DisplayName) });
        }

        return Task.FromResult(errors.Count == 0 ? IdentityResult.Success : IdentityResult.Failed([.. errors]));
    }
}
