using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Workflows.Host.Organization;

namespace Workflows.Host.Auth;

/// <summary>
/// Identity's user manager with lockouts on the host's clock (<see cref="TimeProvider"/>) like everything else here.
/// Identity itself reads <see cref="DateTimeOffset.UtcNow"/> when it locks an account and when it checks a lockout
/// (dotnet/aspnetcore#62796), so with a moved clock (tests, a department clock) a lockout ended at another time than
/// every other deadline. Only those two places differ from Identity's own code.
/// </summary>
public sealed class ClockedUserManager(
    IUserStore<Employee> store,
    IOptions<IdentityOptions> optionsAccessor,
    IPasswordHasher<Employee> passwordHasher,
    IEnumerable<IUserValidator<Employee>> userValidators,
    IEnumerable<IPasswordValidator<Employee>> passwordValidators,
    ILookupNormalizer keyNormalizer,
    IdentityErrorDescriber errors,
    IServiceProvider services,
    ILogger<UserManager<Employee>> logger,
    TimeProvider time)
    : UserManager<Employee>(store, optionsAccessor, passwordHasher, userValidators, passwordValidators, keyNormalizer, errors, services, logger)
{
    public override async Task<bool> IsLockedOutAsync(Employee user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!await GetLockoutEnabledAsync(user))
        {
            return false;
        }

        return await GetLockoutEndDateAsync(user) is { } end && end >= time.GetUtcNow();
    }

    public override async Task<IdentityResult> AccessFailedAsync(Employee user)
    {
        ArgumentNullException.ThrowIfNull(user);
        ThrowIfDisposed();
        var lockouts = (IUserLockoutStore<Employee>)Store;
        var count = await lockouts.IncrementAccessFailedCountAsync(user, CancellationToken);
        if (count < Options.Lockout.MaxFailedAccessAttempts)
        {
            return await UpdateUserAsync(user);
        }

        Logger.LogWarning("User {UserId} is locked out after {Count} failed sign-ins.", await GetUserIdAsync(user), count);
        await lockouts.SetLockoutEndDateAsync(user, time.GetUtcNow().Add(Options.Lockout.DefaultLockoutTimeSpan), CancellationToken);
        await lockouts.ResetAccessFailedCountAsync(user, CancellationToken);
        return await UpdateUserAsync(user);
    }
}
