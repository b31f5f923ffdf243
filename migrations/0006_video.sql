-- Video rooms: one provider room per booking, named by >= 128 random bits (never a name or a topic).
-- The room name is UNIQUE, so two bookings can never share a room, whatever the code does.
CREATE TABLE video_rooms (
    booking_id bigint PRIMARY KEY REFERENCES bookings(id) ON DELETE CASCADE,
    provider text NOT NULL CHECK (provider IN ('jitsi', 'bigbluebutton')),
    room text NOT NULL UNIQUE CHECK (room ~ '^[a-z2-7]{26,64}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    -- Set when the meeting was torn down (the booking was cancelled); the room is never reused.
    ended_at timestamptz
);

-- A lawyer's fixed personal room (lawyers.room_url, set by staff) must be an https link.
ALTER TABLE lawyers ADD CONSTRAINT lawyers_room_url_https
    CHECK (room_url IS NULL OR (room_url ~ '^https://[^\s]+$' AND length(room_url) <= 500));
