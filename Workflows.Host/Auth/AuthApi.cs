using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Workflows.Host.Organization;
using Workflows.Host.Platform;

namespace Workflows.Host.Auth;

/// <param name="NewPassword">Only for an account whose password is temporary: its own password, set at this sign-in.</param>
public sealed record LoginRequest(string? UserName, string? Password, string? NewPassword = null);

public static class AuthApi
{
    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Auth");
        group.MapPost("/auth/login", Login).AllowAnonymous();
        group.MapGet("/me", Me);
        return app;
    }

    /// <summary>Password sign-in with lockout; the answer is an Identity bearer token.</summary>
    public static async Task<Results<SignInHttpResult, ProblemHttpResult, ValidationProblem>> Login(
        LoginRequest request, UserManager<Employee> users, SignInManager<Employee> signIn)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.UserName))
        {
            errors["userName"] = ["The user name is required."];
        }

        if (string.IsNullOrEmpty(request.Password))
        {
            errors["password"] = ["The password is required."];
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var user = await users.FindByNameAsync(request.UserName!);
        if (user is null)
        {
            return Problems.Unauthorized("Wrong user name or password.");
        }

        var result = await signIn.CheckPasswordSignInAsync(user, request.Password!, lockoutOnFailure: true);
        if (result.IsLockedOut)
        {
            return Problems.Unauthorized("This account is locked after repeated failed sign-ins. Try again later or ask HR.");
        }

        if (!result.Succeeded)
        {
            return Problems.Unauthorized("Wrong user name or password.");
        }

        if (await PasswordChange.IsTemporaryAsync(users, user))
        {
            if (string.IsNullOrEmpty(request.NewPassword))
            {
                return TypedResults.Problem(
                    detail: "This account's password is temporary and must be changed before it can be used: sign in again with the same userName and password and your own password as newPassword.",
                    statusCode: StatusCodes.Status403Forbidden, title: "Password change required",
                    extensions: new Dictionary<string, object?> { ["code"] = PasswordChange.RequiredCode });
            }

            var replaced = await PasswordChange.ReplaceTemporaryAsync(users, user, request.Password!, request.NewPassword);
            if (!replaced.Succeeded)
            {
                return Problems.Invalid("newPassword", string.Join(" ", replaced.Errors.Select(e => e.Description)));
            }

            user = (await users.FindByIdAsync(user.Id))!;
        }

        var principal = await signIn.CreateUserPrincipalAsync(user);
        return TypedResults.SignIn(principal, authenticationScheme: IdentityConstants.BearerScheme);
    }

    public static async Task<Ok<EmployeeDto>> Me(CurrentActor current)
    {
        var actor = await current.GetAsync();
        return TypedResults.Ok(new EmployeeDto(actor.Id, actor.UserName, actor.Name, actor.Rank, actor.GroupId, actor.Roles));
    }
}
