using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workflows.Host.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class CycleTimes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "CycleTimePeriods",
                columns: table => new
                {
                    Start = table.Column<long>(type: "INTEGER", nullable: false),
                    End = table.Column<long>(type: "INTEGER", nullable: false),
                    Month = table.Column<string>(type: "TEXT", maxLength: 7, nullable: false),
                    SealedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Version = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CycleTimePeriods", x => x.Start);
                });

            migrationBuilder.CreateTable(
                name: "CycleTimeBuckets",
                columns: table => new
                {
                    PeriodStart = table.Column<long>(type: "INTEGER", nullable: false),
                    Type = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Step = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Bucket = table.Column<long>(type: "INTEGER", nullable: false),
                    Completed = table.Column<int>(type: "INTEGER", nullable: false),
                    ShortestTicks = table.Column<long>(type: "INTEGER", nullable: false),
                    LongestTicks = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CycleTimeBuckets", x => new { x.PeriodStart, x.Type, x.Step, x.Bucket });
                    table.ForeignKey(
                        name: "FK_CycleTimeBuckets_CycleTimePeriods_PeriodStart",
                        column: x => x.PeriodStart,
                        principalTable: "CycleTimePeriods",
                        principalColumn: "Start",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "CycleTimePendingTasks",
                columns: table => new
                {
                    TaskId = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    PeriodStart = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CycleTimePendingTasks", x => x.TaskId);
                    table.ForeignKey(
                        name: "FK_CycleTimePendingTasks_CycleTimePeriods_PeriodStart",
                        column: x => x.PeriodStart,
                        principalTable: "CycleTimePeriods",
                        principalColumn: "Start",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_CycleTimePendingTasks_Tasks_TaskId",
                        column: x => x.TaskId,
                        principalTable: "Tasks",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_CycleTimePendingTasks_PeriodStart",
                table: "CycleTimePendingTasks",
                column: "PeriodStart");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "CycleTimeBuckets");

            migrationBuilder.DropTable(
                name: "CycleTimePendingTasks");

            migrationBuilder.DropTable(
                name: "CycleTimePeriods");
        }
    }
}
