using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Workflows.Host.Data;
using Workflows.Host.Organization;
using Workflows.Host.Platform;

namespace Workflows.Host.Auth;

public sealed record LoginRequest(string? UserName, string? Password);

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

        var principal = await signIn.CreateUserPrincipalAsync(user);
        return TypedResults.SignIn(principal, authenticationScheme: IdentityConstants.BearerScheme);
    }

    public static async Task<Ok<EmployeeDto>> Me(CurrentActor current, WorkflowDbContext db)
    {
        var actor = await current.GetAsync();
        var email = await db.Users.Where(u => u.Id == actor.Id).Select(u => u.Email).SingleAsync();
        return TypedResults.Ok(new EmployeeDto(actor.Id, actor.UserName, actor.Name, actor.Rank, actor.GroupId, actor.Roles, email));
    }
}
