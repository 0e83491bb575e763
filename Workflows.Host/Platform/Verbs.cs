namespace Workflows.Host.Platform;

/// <summary>Command-line verbs of the host: <c>migrate</c>, <c>seed-demo</c>.</summary>
public static class Verbs
{
    private static readonly string[] Known = ["migrate", "seed-demo", "bench"];

    public static (string? Verb, string[] HostArgs) Split(string[] args) =>
        args.Length > 0 && Known.Contains(args[0], StringComparer.Ordinal) ? (args[0], args[1..]) : (null, args);

    public static async Task<int> RunAsync(string verb, WebApplication app)
    {
        switch (verb)
        {
            case "migrate":
                await DatabaseSetup.MigrateAsync(app.Services);
                Console.WriteLine($"Migrations applied ({app.Services.GetRequiredService<DatabaseInfo>().Provider}).");
                return 0;
            case "seed-demo":
                await DatabaseSetup.MigrateAsync(app.Services);
                await using (var scope = app.Services.CreateAsyncScope())
                {
                    var seeded = await scope.ServiceProvider.GetRequiredService<DemoSeed>().SeedDemoAsync();
                    Console.WriteLine(seeded ? "Demo department seeded." : "The database is not empty; nothing seeded.");
                }

                return 0;
            default:
                Console.Error.WriteLine($"Unknown verb '{verb}'. Known: {string.Join(", ", Known)}.");
                return 2;
        }
    }
}
